// The entity shares move into their revision's row, as `shares_json` (issue 14,
// docs/decisions/0021-shares-in-revisions.md): an order's shares (seven on average, 2.7 million
// rows at a million lines) cost the settlement writer a B-tree insert each, and were only ever
// read by order and revision. The view `entity_shares` reads them back as the rows of the former
// table, in its columns, so every query that read the table reads the view unchanged.
// - `shares_json` is an array of [line_id, entity, kind, amount, currency, release_at], sorted
//   by line, entity and kind (the former key's order), as settlement-repo.ts writes it.
// - The former table's key and its kind check are the engine's to keep now: the settlement
//   writer writes what `entityShares` computes, one share per line, entity and kind.
// - SQLite: the column is added (a default keeps the rows' format), filled from the table with
//   the append-only guard lifted, and the table dropped. PostgreSQL: the same on the rows table
//   of migration 0014, its view and insert rule redone with the column, and the year functions
//   redone without the shares' partitions.
import type { Db } from '../core/store/db.js';
import { dialectOf } from '../core/store/dialect.js';
import { guardsDdl, ORDER_YEAR, yearFunctions } from './0014_postgres_partitions.js';
import type { Migration } from './types.js';

const SHARE_COLUMNS = `order_id TEXT NOT NULL, revision INTEGER NOT NULL, line_id TEXT NOT NULL, entity TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('line', 'fee')), amount INTEGER NOT NULL, currency TEXT NOT NULL, release_at TEXT`;
const REVISION_GUARD = `CREATE TRIGGER settlement_revisions_append_only BEFORE UPDATE ON settlement_revisions
  BEGIN SELECT RAISE(ABORT, 'settlement revisions are append-only'); END;`;
const SHARES_GUARD = `CREATE TRIGGER entity_shares_append_only BEFORE UPDATE ON entity_shares
  BEGIN SELECT RAISE(ABORT, 'entity shares are append-only'); END;`;

/** A revision's shares as one JSON array, in the key's order, from the former table `t`. */
const sharesOf = (t: string) => `coalesce((SELECT json_group_array(json_array(x.line_id, x.entity, x.kind, x.amount, x.currency, x.release_at))
  FROM (SELECT * FROM ${t} x WHERE x.order_id = r.order_id AND x.revision = r.revision ORDER BY x.line_id, x.entity, x.kind) x), '[]')`;

const SHARES_VIEW = `CREATE VIEW entity_shares AS SELECT r.order_id, r.revision, s.value ->> 0 AS line_id, s.value ->> 1 AS entity,
  s.value ->> 2 AS kind, s.value ->> 3 AS amount, s.value ->> 4 AS currency, s.value ->> 5 AS release_at
  FROM settlement_revisions r, json_each(r.shares_json) s;`;

const POSTGRES_SHARES_VIEW = `CREATE VIEW entity_shares AS SELECT r.order_id, r.revision, s.value ->> 0 AS line_id, s.value ->> 1 AS entity,
  s.value ->> 2 AS kind, (s.value ->> 3)::bigint AS amount, s.value ->> 4 AS currency, s.value ->> 5 AS release_at
  FROM settlement_revisions r, json_array_elements(r.shares_json::json) s;`;

const REVISION_COLUMNS = ['order_id', 'revision', 'computed_at', 'reason'];
/** settlement_revisions over its rows table, and the rule that adds the year to its inserts (as 0014 made them). */
const postgresRevisions = (columns: readonly string[]) => `
  CREATE VIEW settlement_revisions AS SELECT ${columns.join(', ')} FROM settlement_revision_rows;
  CREATE RULE settlement_revisions_insert AS ON INSERT TO settlement_revisions DO INSTEAD
    INSERT INTO settlement_revision_rows (${columns.join(', ')}, order_year) VALUES (${columns.map((c) => `NEW.${c}`).join(', ')}, ${ORDER_YEAR});`;
const PARTITIONED_BEFORE = ['journal_entries', 'journal_line_rows', 'settlement_revision_rows', 'settlement_line_rows', 'entity_share_rows'];
const REVISION_GUARD_PG = guardsDdl('settlement_revision_rows', [['settlement_revisions_append_only', 'UPDATE', 'settlement revisions are append-only']]);

function upSqlite(db: Db): void {
  db.exec(`
    ALTER TABLE settlement_revisions ADD COLUMN shares_json TEXT NOT NULL DEFAULT '[]';
    DROP TRIGGER settlement_revisions_append_only;
    UPDATE settlement_revisions AS r SET shares_json = ${sharesOf('entity_shares')};
    ${REVISION_GUARD}
    DROP TABLE entity_shares;
    ${SHARES_VIEW}`);
}

function downSqlite(db: Db): void {
  db.exec(`
    CREATE TABLE entity_shares_table (${SHARE_COLUMNS}, PRIMARY KEY (order_id, revision, line_id, entity, kind)) STRICT, WITHOUT ROWID;
    INSERT INTO entity_shares_table SELECT * FROM entity_shares ORDER BY order_id, revision, line_id, entity, kind;
    DROP VIEW entity_shares;
    ALTER TABLE entity_shares_table RENAME TO entity_shares;
    ${SHARES_GUARD}
    ALTER TABLE settlement_revisions DROP COLUMN shares_json;`);
}

function upPostgres(db: Db): void {
  db.exec(`
    ALTER TABLE settlement_revision_rows ADD COLUMN shares_json TEXT NOT NULL DEFAULT '[]';
    DROP TRIGGER settlement_revisions_append_only ON settlement_revision_rows;
    UPDATE settlement_revision_rows r SET shares_json = coalesce((SELECT json_agg(json_build_array(x.line_id, x.entity, x.kind, x.amount, x.currency, x.release_at)
      ORDER BY x.line_id, x.entity, x.kind)::text FROM entity_share_rows x WHERE x.order_id = r.order_id AND x.revision = r.revision), '[]');
    ${REVISION_GUARD_PG}
    DROP VIEW settlement_revisions;
    ${postgresRevisions([...REVISION_COLUMNS, 'shares_json'])}
    DROP VIEW entity_shares;
    DROP TABLE entity_share_rows;
    ${POSTGRES_SHARES_VIEW}
    ${yearFunctions(PARTITIONED_BEFORE.filter((t) => t !== 'entity_share_rows'))}`);
}

function downPostgres(db: Db): void {
  const years = db.prepare('SELECT DISTINCT order_year FROM settlement_revision_rows ORDER BY 1').pluck().all() as string[];
  db.exec(`
    CREATE TABLE entity_share_rows (${SHARE_COLUMNS.replace(/INTEGER/g, 'BIGINT')}, order_year TEXT NOT NULL,
      PRIMARY KEY (order_id, revision, line_id, entity, kind, order_year)) PARTITION BY RANGE (order_year);
    CREATE TABLE entity_share_rows_default PARTITION OF entity_share_rows DEFAULT;
    ${years.map((y) => `CREATE TABLE entity_share_rows_${y} PARTITION OF entity_share_rows FOR VALUES FROM ('${y}') TO ('${Number(y) + 1}');`).join('\n')}
    INSERT INTO entity_share_rows SELECT s.*, r.order_year FROM entity_shares s
      JOIN settlement_revision_rows r ON r.order_id = s.order_id AND r.revision = s.revision;
    DROP VIEW entity_shares;
    CREATE VIEW entity_shares AS SELECT order_id, revision, line_id, entity, kind, amount, currency, release_at FROM entity_share_rows;
    CREATE RULE entity_shares_insert AS ON INSERT TO entity_shares DO INSTEAD
      INSERT INTO entity_share_rows (order_id, revision, line_id, entity, kind, amount, currency, release_at, order_year)
      VALUES (NEW.order_id, NEW.revision, NEW.line_id, NEW.entity, NEW.kind, NEW.amount, NEW.currency, NEW.release_at, ${ORDER_YEAR});
    ${guardsDdl('entity_share_rows', [['entity_shares_append_only', 'UPDATE', 'entity shares are append-only']])}
    DROP VIEW settlement_revisions;
    ${postgresRevisions(REVISION_COLUMNS)}
    ALTER TABLE settlement_revision_rows DROP COLUMN shares_json;
    ${yearFunctions(PARTITIONED_BEFORE)}`);
}

export const migration: Migration = {
  name: '0018_shares_in_revisions',
  up(db) {
    if (dialectOf(db) === 'postgres') upPostgres(db); else upSqlite(db);
  },
  down(db) {
    if (dialectOf(db) === 'postgres') downPostgres(db); else downSqlite(db);
  },
};
