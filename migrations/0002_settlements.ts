// Stored settlements. Each computation of an order is a new revision: rows are appended, never
// updated, and `settlements` points at the current revision. A revision records the rule
// `id@version` every amount used, so later rule versions never change a stored allocation.
import { schema } from './postgres-ddl.js';
import type { Migration } from './types.js';

export const migration: Migration = {
  name: '0002_settlements',
  up(db) {
    schema(db, `
      -- The current revision of each order's settlement.
      CREATE TABLE settlements (
        order_id TEXT PRIMARY KEY REFERENCES orders(id),
        revision INTEGER NOT NULL,
        computed_at TEXT NOT NULL,
        reason TEXT NOT NULL,
        currency TEXT NOT NULL,
        captured INTEGER NOT NULL,
        psp_fees INTEGER NOT NULL,
        refunded INTEGER NOT NULL,
        warnings_json TEXT NOT NULL
      ) STRICT;

      CREATE TABLE settlement_revisions (
        order_id TEXT NOT NULL REFERENCES orders(id),
        revision INTEGER NOT NULL,
        computed_at TEXT NOT NULL,
        reason TEXT NOT NULL,
        PRIMARY KEY (order_id, revision)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE settlement_lines (
        order_id TEXT NOT NULL,
        revision INTEGER NOT NULL,
        line_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        status TEXT NOT NULL,
        fulfiller TEXT NOT NULL,
        owner TEXT NOT NULL,
        shipper TEXT NOT NULL,
        pickup TEXT,
        catchment TEXT,
        origin TEXT,
        seller TEXT,
        gross INTEGER NOT NULL,
        vat INTEGER NOT NULL,
        net INTEGER NOT NULL,
        fee_share INTEGER NOT NULL,
        returned INTEGER NOT NULL,
        refunded INTEGER NOT NULL,
        reversed_gross INTEGER NOT NULL,
        reversed_vat INTEGER NOT NULL,
        release_at TEXT,
        decisions_json TEXT NOT NULL,
        PRIMARY KEY (order_id, revision, line_id)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE settlement_legs (
        order_id TEXT NOT NULL,
        revision INTEGER NOT NULL,
        line_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        rule_group TEXT NOT NULL,
        rule_ref TEXT NOT NULL,          -- ID@VERSION
        to_role TEXT NOT NULL,
        to_entity TEXT,
        from_role TEXT NOT NULL,
        from_entity TEXT,
        base INTEGER NOT NULL,
        rate TEXT NOT NULL,
        amount INTEGER NOT NULL,
        vat INTEGER NOT NULL,
        void TEXT,
        reversed_amount INTEGER NOT NULL,
        reversed_vat INTEGER NOT NULL,
        PRIMARY KEY (order_id, revision, line_id, seq)
      ) STRICT, WITHOUT ROWID;

      -- What each entity ends up with, per line (line_id '' for the order's PSP fees), and when
      -- it leaves escrow. An entity's payout for the order is the sum of its shares.
      CREATE TABLE entity_shares (
        order_id TEXT NOT NULL,
        revision INTEGER NOT NULL,
        line_id TEXT NOT NULL,
        entity TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('line', 'fee')),
        amount INTEGER NOT NULL,
        currency TEXT NOT NULL,
        release_at TEXT,                 -- null: not fulfilled yet (held)
        PRIMARY KEY (order_id, revision, line_id, entity, kind)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX entity_shares_entity ON entity_shares(entity, release_at);

      -- Every entity that holds (or held, before a reroute) a role on a line of the order, or
      -- receives or pays an amount of it: who may see the order (docs/spec.md invariant 7).
      CREATE TABLE order_parties (
        entity TEXT NOT NULL,
        order_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (order_id, entity)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX order_parties_entity ON order_parties(entity, created_at);

      CREATE TRIGGER settlement_revisions_append_only BEFORE UPDATE ON settlement_revisions
        BEGIN SELECT RAISE(ABORT, 'settlement revisions are append-only'); END;
      CREATE TRIGGER settlement_lines_append_only BEFORE UPDATE ON settlement_lines
        BEGIN SELECT RAISE(ABORT, 'settlement lines are append-only'); END;
      CREATE TRIGGER settlement_legs_append_only BEFORE UPDATE ON settlement_legs
        BEGIN SELECT RAISE(ABORT, 'settlement legs are append-only'); END;
      CREATE TRIGGER entity_shares_append_only BEFORE UPDATE ON entity_shares
        BEGIN SELECT RAISE(ABORT, 'entity shares are append-only'); END;
    `);
  },
  down(db) {
    schema(db, `DROP TABLE order_parties; DROP TABLE entity_shares; DROP TABLE settlement_legs; DROP TABLE settlement_lines;
      DROP TABLE settlement_revisions; DROP TABLE settlements;`);
  },
};
