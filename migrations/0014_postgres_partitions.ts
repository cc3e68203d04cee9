// The journal and the settlements partitioned by year, on PostgreSQL only (issue 13,
// docs/decisions/0018-postgresql-schema.md). A no-op on SQLite: a file is archived whole, and
// SQLite has no partitions.
// - `journal_entries` is partitioned by `fiscal_year` (the numbering already runs per fiscal
//   year, so no sequence spans two partitions). Its primary key becomes (id, fiscal_year): a
//   partition key must be in every unique key. Lines refer to entries partition to partition.
// - `journal_lines`, `settlement_revisions`, `settlement_lines` and `entity_shares` hold no year,
//   and a partition key cannot be a generated column nor set by a BEFORE trigger (it would move
//   the row out of the partition chosen). Their rows move to `<name>_rows` tables carrying the
//   year (`fiscal_year` of the line's entry; `order_year` of the order, its creation's year in
//   UTC, so an order's whole settlement history stays in one partition), and the table's name
//   becomes a view of its former columns, in their order, with a rule that adds the year to
//   every insert, set-wise. The store reads and writes the names it always did; updates and
//   deletes reach the rows table, whose triggers refuse them with the same messages.
// - `settlements` (one row per order, upserted on its key) stays whole.
// - Each partitioned table has a default partition, and one per year its rows already hold.
//   `ventil_open_year('YYYY')` creates a year's partitions (before its rows arrive: rows already
//   in the default partition for that year make PostgreSQL refuse, by name);
//   `ventil_detach_year('YYYY')` detaches them, each detached table left whole for archiving
//   (a year's lines keep their reference to that year's entries).
import type { Db } from '../core/store/db.js';
import { dialectOf } from '../core/store/dialect.js';
import { POSTGRES_LEGS_VIEW } from './0007_settlement_access_paths.js';
import type { Migration } from './types.js';

interface RowsTable {
  /** The name the store uses, a view after this migration. */
  view: string;
  rows: string;
  year: 'fiscal_year' | 'order_year';
  /** The year of a row being inserted (`NEW` is the row). */
  yearOf: string;
  key: readonly string[];
  /** Append-only guards, as the migrations that created the table named them. */
  guards: readonly (readonly [name: string, event: 'UPDATE' | 'DELETE', message: string])[];
}

// The rows tables as this migration named them (core/store/partitions.ts names those that remain:
// 0018 folded the entity shares into their revisions).
const ROWS_OF_VIEW = {
  journal_lines: 'journal_line_rows', settlement_revisions: 'settlement_revision_rows', settlement_lines: 'settlement_line_rows', entity_shares: 'entity_share_rows',
};

const IMMUTABLE_ENTRIES = 'journal entries are immutable; post a reversing entry';
export const ORDER_YEAR = '(SELECT substr(o.created_at, 1, 4) FROM orders o WHERE o.id = NEW.order_id)';

const ROWS_TABLES: readonly RowsTable[] = [
  {
    view: 'journal_lines', rows: ROWS_OF_VIEW.journal_lines, year: 'fiscal_year', yearOf: '(SELECT e.fiscal_year FROM journal_entries e WHERE e.id = NEW.entry_id)',
    key: ['entry_id', 'seq'], guards: [['journal_lines_immutable_update', 'UPDATE', IMMUTABLE_ENTRIES], ['journal_lines_immutable_delete', 'DELETE', IMMUTABLE_ENTRIES]],
  },
  {
    view: 'settlement_revisions', rows: ROWS_OF_VIEW.settlement_revisions, year: 'order_year', yearOf: ORDER_YEAR,
    key: ['order_id', 'revision'], guards: [['settlement_revisions_append_only', 'UPDATE', 'settlement revisions are append-only']],
  },
  {
    view: 'settlement_lines', rows: ROWS_OF_VIEW.settlement_lines, year: 'order_year', yearOf: ORDER_YEAR,
    key: ['order_id', 'revision', 'line_id'], guards: [['settlement_lines_append_only', 'UPDATE', 'settlement lines are append-only']],
  },
  {
    view: 'entity_shares', rows: ROWS_OF_VIEW.entity_shares, year: 'order_year', yearOf: ORDER_YEAR,
    key: ['order_id', 'revision', 'line_id', 'entity', 'kind'], guards: [['entity_shares_append_only', 'UPDATE', 'entity shares are append-only']],
  },
];

/** Partitioned tables, in the order their partitions are created (referenced tables first). */
const PARTITIONED = ['journal_entries', ...ROWS_TABLES.map((t) => t.rows)];

const columnsOf = (db: Db, table: string) => db.prepare(
  'SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position',
).pluck().all(table) as string[];

/**
 * A year's lines refer to the same year's entries, partition to partition: a reference to the
 * partitioned journal made inserting lines two to six times slower (docs/decisions/0018-*.md), one to
 * a plain table costs what it always did. Every line's year is its entry's (the insert rule), so
 * these references hold the lines to their entries; a detached year keeps its own.
 */
const lineReference = (year: string) =>
  `ALTER TABLE journal_line_rows_${year} ADD FOREIGN KEY (entry_id, fiscal_year) REFERENCES journal_entries_${year}(id, fiscal_year);`;

export const guardsDdl = (table: string, guards: RowsTable['guards']) => guards
  .map(([name, event, message]) => `CREATE TRIGGER ${name} BEFORE ${event} ON ${table} FOR EACH ROW EXECUTE FUNCTION ventil_refuse('${message}');`).join('\n');

/** The journal's indexes other than its keys, as 0004 and 0011 created them. */
const ENTRY_INDEXES = `
  CREATE INDEX journal_entries_order ON journal_entries(order_id) WHERE order_id IS NOT NULL;
  CREATE INDEX journal_entries_transfer ON journal_entries(transfer_id) WHERE transfer_id IS NOT NULL;
  CREATE INDEX journal_entries_entity_date ON journal_entries(entity, entry_date);
  CREATE INDEX journal_entries_invoice ON journal_entries(invoice_id) WHERE invoice_id IS NOT NULL;`;
const ENTRY_GUARDS = guardsDdl('journal_entries', [['journal_entries_immutable_update', 'UPDATE', IMMUTABLE_ENTRIES], ['journal_entries_immutable_delete', 'DELETE', IMMUTABLE_ENTRIES]]);
const CONTINUE_ENTRY_IDS = "SELECT setval(pg_get_serial_sequence('journal_entries', 'id'), coalesce(max(id), 0) + 1, false) FROM journal_entries;";

/** The functions that open and detach a year's partitions of these tables (referenced tables first). */
export const yearFunctions = (partitioned: readonly string[]) => `
  CREATE OR REPLACE FUNCTION ventil_open_year(year text) RETURNS text[] LANGUAGE plpgsql AS $$
    DECLARE t text; k text; held boolean; skipped text[] := '{}';
    BEGIN
      IF year !~ '^[0-9]{4}$' THEN RAISE EXCEPTION 'not a year: %', year; END IF;
      PERFORM pg_advisory_xact_lock(hashtext('ventil_open_year'));  -- hub processes opening at once
      FOREACH t IN ARRAY ARRAY[${partitioned.map((t) => `'${t}'`).join(', ')}] LOOP
        CONTINUE WHEN to_regclass(t || '_' || year) IS NOT NULL;
        k := CASE WHEN t IN ('journal_entries', 'journal_line_rows') THEN 'fiscal_year' ELSE 'order_year' END;
        -- Rows of that year already in the default partition: PostgreSQL would refuse the partition.
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I >= %L AND %I < %L)', t || '_default', k, year, k, (year::int + 1)::text) INTO held;
        -- A year's lines need that year's entries (their reference, below).
        IF held OR (t = 'journal_line_rows' AND to_regclass('journal_entries_' || year) IS NULL) THEN skipped := skipped || t; CONTINUE; END IF;
        EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', t || '_' || year, t, year, (year::int + 1)::text);
        IF t = 'journal_line_rows' THEN
          EXECUTE format('ALTER TABLE %I ADD FOREIGN KEY (entry_id, fiscal_year) REFERENCES %I (id, fiscal_year)', t || '_' || year, 'journal_entries_' || year);
        END IF;
      END LOOP;
      RETURN skipped;
    END $$;
  CREATE OR REPLACE FUNCTION ventil_detach_year(year text) RETURNS void LANGUAGE plpgsql AS $$
    DECLARE t text;
    BEGIN
      IF year !~ '^[0-9]{4}$' THEN RAISE EXCEPTION 'not a year: %', year; END IF;
      FOREACH t IN ARRAY ARRAY[${[...partitioned].reverse().map((t) => `'${t}'`).join(', ')}] LOOP
        IF to_regclass(t || '_' || year) IS NOT NULL THEN
          EXECUTE format('ALTER TABLE %I DETACH PARTITION %I', t, t || '_' || year);
        END IF;
      END LOOP;
    END $$;`;

function up(db: Db): void {
  // The years already held get their partitions first, so the rows copied below go straight there.
  const years = db.prepare(`SELECT fiscal_year FROM journal_entries UNION
    SELECT substr(o.created_at, 1, 4) FROM settlement_revisions s JOIN orders o ON o.id = s.order_id ORDER BY 1`).pluck().all() as string[];
  const partitions = (parent: string, name: string) => [
    `CREATE TABLE ${name}_default PARTITION OF ${parent} DEFAULT;`,
    ...years.map((y) => `CREATE TABLE ${name}_${y} PARTITION OF ${parent} FOR VALUES FROM ('${y}') TO ('${Number(y) + 1}');`),
  ].join('\n');
  // The journal: rebuilt partitioned, its columns, defaults, checks and identity as they were.
  db.exec(`
    CREATE TABLE journal_entries_by_year (LIKE journal_entries INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING CONSTRAINTS,
      PRIMARY KEY (id, fiscal_year), UNIQUE (entity, journal, fiscal_year, number), FOREIGN KEY (entity) REFERENCES entities(id)
    ) PARTITION BY RANGE (fiscal_year);
    ${partitions('journal_entries_by_year', 'journal_entries')}
    INSERT INTO journal_entries_by_year SELECT * FROM journal_entries;`);
  for (const t of ROWS_TABLES) {
    db.exec(`
      CREATE TABLE ${t.rows} (LIKE ${t.view} INCLUDING DEFAULTS INCLUDING CONSTRAINTS, ${t.year} TEXT NOT NULL,
        PRIMARY KEY (${[...t.key, t.year].join(', ')})
      ) PARTITION BY RANGE (${t.year});
      ${partitions(t.rows, t.rows)}
      INSERT INTO ${t.rows} SELECT t.*, ${t.yearOf.replace(/NEW\./g, 't.')} FROM ${t.view} t;`);
  }
  db.exec(['default', ...years].map(lineReference).join('\n'));
  db.exec(`
    DROP VIEW settlement_legs;
    ${ROWS_TABLES.map((t) => `DROP TABLE ${t.view};`).join(' ')}
    DROP TABLE journal_entries;
    ALTER TABLE journal_entries_by_year RENAME TO journal_entries;
    ${ENTRY_INDEXES}
    ${ENTRY_GUARDS}
    ${CONTINUE_ENTRY_IDS}`);
  for (const t of ROWS_TABLES) {
    const columns = columnsOf(db, t.rows).filter((c) => c !== t.year);
    db.exec(`
      CREATE VIEW ${t.view} AS SELECT ${columns.join(', ')} FROM ${t.rows};
      CREATE RULE ${t.view}_insert AS ON INSERT TO ${t.view} DO INSTEAD
        INSERT INTO ${t.rows} (${columns.join(', ')}, ${t.year}) VALUES (${columns.map((c) => `NEW.${c}`).join(', ')}, ${t.yearOf});
      ${guardsDdl(t.rows, t.guards)}`);
  }
  db.exec(`${POSTGRES_LEGS_VIEW}\n${yearFunctions(PARTITIONED)}`);
}

function down(db: Db): void {
  db.exec(`DROP FUNCTION ventil_open_year(text); DROP FUNCTION ventil_detach_year(text); DROP VIEW settlement_legs;`);
  db.exec(`
    CREATE TABLE journal_entries_whole (LIKE journal_entries INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING CONSTRAINTS,
      PRIMARY KEY (id), UNIQUE (entity, journal, fiscal_year, number), FOREIGN KEY (entity) REFERENCES entities(id));
    INSERT INTO journal_entries_whole SELECT * FROM journal_entries;`);
  for (const t of ROWS_TABLES) {
    const columns = columnsOf(db, t.view);
    db.exec(`
      CREATE TABLE ${t.view}_whole (LIKE ${t.rows} INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
        PRIMARY KEY (${t.key.join(', ')})${t.view === 'journal_lines' ? ', FOREIGN KEY (entry_id) REFERENCES journal_entries_whole(id)' : ''});
      ALTER TABLE ${t.view}_whole DROP COLUMN ${t.year};
      INSERT INTO ${t.view}_whole SELECT ${columns.join(', ')} FROM ${t.rows};
      DROP VIEW ${t.view};
      DROP TABLE ${t.rows};
      ALTER TABLE ${t.view}_whole RENAME TO ${t.view};
      ${guardsDdl(t.view, t.guards)}`);
  }
  db.exec(`
    DROP TABLE journal_entries;
    ALTER TABLE journal_entries_whole RENAME TO journal_entries;
    ${ENTRY_INDEXES}
    ${ENTRY_GUARDS}
    ${CONTINUE_ENTRY_IDS}
    ${POSTGRES_LEGS_VIEW}`);
}

export const migration: Migration = {
  name: '0014_postgres_partitions',
  up(db) {
    if (dialectOf(db) === 'postgres') up(db);
  },
  down(db) {
    if (dialectOf(db) === 'postgres') down(db);
  },
};
