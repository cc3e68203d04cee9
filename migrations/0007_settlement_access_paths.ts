// Fewer rows per settled line, and access paths that a large settlement appends to instead of
// writing all over (docs/performance.md). Orders are settled in id order, so a B-tree keyed by
// order id grows at its end; one keyed by entity and a time grows at random places, and every
// commit then rewrites most of its pages: a million lines spent 57 of 74 seconds of raw insert in
// the two such indexes.
// - Legs move into their line's row, as `legs_json` (an array of arrays): a line has two legs on
//   average. The view `settlement_legs` reads them back as the rows of the former table.
// - `entity_shares` loses its (entity, release_at) index: an entity's shares are reached through
//   its orders in `order_parties` (every entity with a share is a party of the order).
// - `order_parties` is keyed by (entity, order_id), which grows at one end per entity, and
//   indexed by order id; `created_at` is a column read while scanning an entity's orders.
import { schema } from './postgres-ddl.js';
import type { Migration } from './types.js';

// The columns of settlement_lines and settlement_legs as migration 0002 created them.
const LINE_COLUMNS = `order_id TEXT NOT NULL, revision INTEGER NOT NULL, line_id TEXT NOT NULL, seq INTEGER NOT NULL, status TEXT NOT NULL,
  fulfiller TEXT NOT NULL, owner TEXT NOT NULL, shipper TEXT NOT NULL, pickup TEXT, catchment TEXT, origin TEXT, seller TEXT,
  gross INTEGER NOT NULL, vat INTEGER NOT NULL, net INTEGER NOT NULL, fee_share INTEGER NOT NULL, returned INTEGER NOT NULL,
  refunded INTEGER NOT NULL, reversed_gross INTEGER NOT NULL, reversed_vat INTEGER NOT NULL, release_at TEXT, decisions_json TEXT NOT NULL`;
const LINE_NAMES = LINE_COLUMNS.split(',').map((c) => c.trim().split(' ')[0]).join(', ');
const LEG_COLUMNS = `order_id TEXT NOT NULL, revision INTEGER NOT NULL, line_id TEXT NOT NULL, seq INTEGER NOT NULL, rule_group TEXT NOT NULL,
  rule_ref TEXT NOT NULL, to_role TEXT NOT NULL, to_entity TEXT, from_role TEXT NOT NULL, from_entity TEXT, base INTEGER NOT NULL,
  rate TEXT NOT NULL, amount INTEGER NOT NULL, vat INTEGER NOT NULL, void TEXT, reversed_amount INTEGER NOT NULL, reversed_vat INTEGER NOT NULL`;

const LEGS_VIEW = `CREATE VIEW settlement_legs AS SELECT l.order_id, l.revision, l.line_id, g.key AS seq, g.value ->> 0 AS rule_group, g.value ->> 1 AS rule_ref,
          g.value ->> 2 AS to_role, g.value ->> 3 AS to_entity, g.value ->> 4 AS from_role, g.value ->> 5 AS from_entity, g.value ->> 6 AS base,
          g.value ->> 7 AS rate, g.value ->> 8 AS amount, g.value ->> 9 AS vat, g.value ->> 10 AS void, g.value ->> 11 AS reversed_amount,
          g.value ->> 12 AS reversed_vat
        FROM settlement_lines l, json_each(l.legs_json) g;`;

/** The same view on PostgreSQL (also recreated by 0014 over the partitioned lines). */
export const POSTGRES_LEGS_VIEW = `CREATE VIEW settlement_legs AS SELECT l.order_id, l.revision, l.line_id, g.n - 1 AS seq, g.value ->> 0 AS rule_group, g.value ->> 1 AS rule_ref,
          g.value ->> 2 AS to_role, g.value ->> 3 AS to_entity, g.value ->> 4 AS from_role, g.value ->> 5 AS from_entity, (g.value ->> 6)::bigint AS base,
          g.value ->> 7 AS rate, (g.value ->> 8)::bigint AS amount, (g.value ->> 9)::bigint AS vat, g.value ->> 10 AS void, (g.value ->> 11)::bigint AS reversed_amount,
          (g.value ->> 12)::bigint AS reversed_vat
        FROM settlement_lines l, json_array_elements(l.legs_json::json) WITH ORDINALITY g(value, n);`;

export const migration: Migration = {
  name: '0007_settlement_access_paths',
  up(db) {
    schema(db, `
      CREATE TABLE settlement_lines_new (${LINE_COLUMNS}, legs_json TEXT NOT NULL, PRIMARY KEY (order_id, revision, line_id)) STRICT, WITHOUT ROWID;
      INSERT INTO settlement_lines_new SELECT l.*, (SELECT coalesce(json_group_array(json_array(g.rule_group, g.rule_ref, g.to_role, g.to_entity, g.from_role,
          g.from_entity, g.base, g.rate, g.amount, g.vat, g.void, g.reversed_amount, g.reversed_vat)), '[]')
        FROM (SELECT * FROM settlement_legs g WHERE g.order_id = l.order_id AND g.revision = l.revision AND g.line_id = l.line_id ORDER BY g.seq) g)
        FROM settlement_lines l ORDER BY l.order_id, l.revision, l.line_id;
      DROP TABLE settlement_legs;
      DROP TABLE settlement_lines;
      ALTER TABLE settlement_lines_new RENAME TO settlement_lines;
      CREATE TRIGGER settlement_lines_append_only BEFORE UPDATE ON settlement_lines
        BEGIN SELECT RAISE(ABORT, 'settlement lines are append-only'); END;
      ${LEGS_VIEW}

      DROP INDEX entity_shares_entity;
      CREATE TABLE order_parties_new (
        entity TEXT NOT NULL,
        order_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (entity, order_id)
      ) STRICT, WITHOUT ROWID;
      INSERT INTO order_parties_new (entity, order_id, created_at) SELECT entity, order_id, created_at FROM order_parties ORDER BY entity, order_id;
      DROP TABLE order_parties;
      ALTER TABLE order_parties_new RENAME TO order_parties;
      CREATE INDEX order_parties_order ON order_parties(order_id);
    `, {
      replace: [
        ['coalesce(json_group_array(json_array(', 'coalesce(json_agg(json_build_array('],
        ['g.reversed_amount, g.reversed_vat)), \'[]\')', 'g.reversed_amount, g.reversed_vat))::text, \'[]\')'],
        // json_each's key and SQLite-typed values: the elements with their ordinality, amounts cast back.
        [LEGS_VIEW, POSTGRES_LEGS_VIEW],
        // The former order_parties' index went with its table on SQLite.
        ['DROP TABLE order_parties;', 'DROP TABLE order_parties; DROP INDEX IF EXISTS order_parties_entity;'],
      ],
    });
  },
  down(db) {
    schema(db, `
      CREATE TABLE settlement_legs_table (${LEG_COLUMNS}, PRIMARY KEY (order_id, revision, line_id, seq)) STRICT, WITHOUT ROWID;
      INSERT INTO settlement_legs_table SELECT * FROM settlement_legs;
      DROP VIEW settlement_legs;
      ALTER TABLE settlement_legs_table RENAME TO settlement_legs;
      CREATE TRIGGER settlement_legs_append_only BEFORE UPDATE ON settlement_legs
        BEGIN SELECT RAISE(ABORT, 'settlement legs are append-only'); END;
      CREATE TABLE settlement_lines_old (${LINE_COLUMNS}, PRIMARY KEY (order_id, revision, line_id)) STRICT, WITHOUT ROWID;
      INSERT INTO settlement_lines_old SELECT ${LINE_NAMES} FROM settlement_lines;
      DROP TABLE settlement_lines;
      ALTER TABLE settlement_lines_old RENAME TO settlement_lines;
      CREATE TRIGGER settlement_lines_append_only BEFORE UPDATE ON settlement_lines
        BEGIN SELECT RAISE(ABORT, 'settlement lines are append-only'); END;

      CREATE TABLE order_parties_old (
        entity TEXT NOT NULL,
        order_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (order_id, entity)
      ) STRICT, WITHOUT ROWID;
      INSERT INTO order_parties_old (entity, order_id, created_at) SELECT entity, order_id, created_at FROM order_parties;
      DROP TABLE order_parties;
      ALTER TABLE order_parties_old RENAME TO order_parties;
      CREATE INDEX order_parties_entity ON order_parties(entity, created_at);
      CREATE INDEX entity_shares_entity ON entity_shares(entity, release_at);
    `);
  },
};
