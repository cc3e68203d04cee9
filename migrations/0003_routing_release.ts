// Routing of lines to stores (offers with deadlines and their history) and the distribution of
// released escrow (release runs, transfers, and what each transfer pays line by line).
// docs/lifecycle.md and docs/release.md describe every table.
import { schema } from './postgres-ddl.js';
import type { Migration } from './types.js';

export const migration: Migration = {
  name: '0003_routing_release',
  up(db) {
    schema(db, `
      -- One row per request offered to a location: open until accepted, refused, timed out or
      -- withdrawn (line cancelled or rerouted by a later event). Only the closing columns of an
      -- open offer ever change; every change is also a row of routing_history.
      CREATE TABLE routing_offers (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        order_id TEXT NOT NULL REFERENCES orders(id),
        line_id TEXT NOT NULL,
        location TEXT NOT NULL REFERENCES locations(id),
        entity TEXT NOT NULL,            -- owner of the location's stock (scope)
        operator TEXT NOT NULL,          -- operator of the location (scope)
        offered_at TEXT NOT NULL,
        deadline_at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open'
          CHECK (status IN ('open', 'accepted', 'refused', 'timed_out', 'withdrawn')),
        closed_at TEXT,
        reason TEXT,
        note TEXT,
        closed_by TEXT,
        event_key TEXT,                  -- the lifecycle event that closed it
        FOREIGN KEY (order_id, line_id) REFERENCES order_lines(order_id, line_id)
      ) STRICT;
      CREATE UNIQUE INDEX routing_offers_one_open ON routing_offers(order_id, line_id) WHERE status = 'open';
      CREATE INDEX routing_offers_line ON routing_offers(order_id, line_id);
      CREATE INDEX routing_offers_due ON routing_offers(status, deadline_at);
      CREATE INDEX routing_offers_location ON routing_offers(location, status);
      CREATE TRIGGER routing_offers_close_only BEFORE UPDATE ON routing_offers
        WHEN OLD.status != 'open' OR NEW.id IS NOT OLD.id OR NEW.order_id IS NOT OLD.order_id OR NEW.line_id IS NOT OLD.line_id
          OR NEW.location IS NOT OLD.location OR NEW.entity IS NOT OLD.entity OR NEW.operator IS NOT OLD.operator
          OR NEW.offered_at IS NOT OLD.offered_at OR NEW.deadline_at IS NOT OLD.deadline_at
        BEGIN SELECT RAISE(ABORT, 'a routing offer only changes once, when it closes'); END;
      CREATE TRIGGER routing_offers_no_delete BEFORE DELETE ON routing_offers
        BEGIN SELECT RAISE(ABORT, 'routing offers are never deleted'); END;

      -- Who was offered what, when, and what came of it: append-only.
      CREATE TABLE routing_history (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        order_id TEXT NOT NULL REFERENCES orders(id),
        line_id TEXT NOT NULL,
        offer_id INTEGER REFERENCES routing_offers(id),
        location TEXT,
        action TEXT NOT NULL CHECK (action IN ('offered', 'accepted', 'refused', 'timed_out', 'withdrawn', 'cancelled')),
        at TEXT NOT NULL,                -- when it happened (offer time, event time)
        deadline_at TEXT,
        reason TEXT,
        note TEXT,
        actor TEXT NOT NULL,
        source TEXT NOT NULL,
        event_key TEXT,
        recorded_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX routing_history_order ON routing_history(order_id, seq);
      CREATE TRIGGER routing_history_no_update BEFORE UPDATE ON routing_history
        BEGIN SELECT RAISE(ABORT, 'routing history is append-only'); END;
      CREATE TRIGGER routing_history_no_delete BEFORE DELETE ON routing_history
        BEGIN SELECT RAISE(ABORT, 'routing history is append-only'); END;

      -- The routing scheduler's cursors (last order rowid and event seq it has looked at).
      CREATE TABLE routing_state (
        key TEXT PRIMARY KEY,
        value INTEGER NOT NULL
      ) STRICT;

      -- A release run: what became releasable as of as_of, paid out in one transaction.
      CREATE TABLE release_runs (
        id TEXT PRIMARY KEY,             -- rr_<as_of>_<hash of the run's transfers>
        as_of TEXT NOT NULL,
        created_at TEXT NOT NULL,
        recovery TEXT NOT NULL CHECK (recovery IN ('net', 'reverse')),
        transfer_count INTEGER NOT NULL,
        content_hash TEXT NOT NULL,
        actor TEXT NOT NULL
      ) STRICT;
      CREATE INDEX release_runs_as_of ON release_runs(as_of);

      -- One movement of money out of escrow (or back into it). amount is signed: a transfer or
      -- withdrawal pays (> 0), a reversal takes back (< 0). Delivery state lives in the outbox row
      -- with the same idempotency key; status is 'queued' when written.
      CREATE TABLE transfers (
        id TEXT PRIMARY KEY,
        run_id TEXT NOT NULL REFERENCES release_runs(id),
        entity TEXT NOT NULL REFERENCES entities(id),
        currency TEXT NOT NULL,
        amount INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('transfer', 'withdrawal', 'reversal')),
        idempotency_key TEXT NOT NULL UNIQUE,
        status TEXT NOT NULL,
        created_at TEXT NOT NULL,
        reverses TEXT REFERENCES transfers(id),  -- reversal: the transfer it takes back from
        destination TEXT,                -- the entity's PSP account (transfers and reversals)
        CHECK ((kind = 'reversal' AND amount < 0 AND reverses IS NOT NULL) OR (kind != 'reversal' AND amount > 0 AND reverses IS NULL))
      ) STRICT;
      CREATE INDEX transfers_run ON transfers(run_id);
      CREATE INDEX transfers_entity ON transfers(entity, currency);
      CREATE INDEX transfers_reverses ON transfers(reverses);
      CREATE TRIGGER transfers_immutable BEFORE UPDATE OF id, run_id, entity, currency, amount, kind, idempotency_key, created_at, reverses, destination ON transfers
        BEGIN SELECT RAISE(ABORT, 'a transfer never changes once written; only its status does'); END;
      CREATE TRIGGER transfers_no_delete BEFORE DELETE ON transfers
        BEGIN SELECT RAISE(ABORT, 'transfers are never deleted'); END;

      -- What a transfer pays, line by line (line_id '' for the order's PSP fee shares), signed
      -- like the transfer: the items of a transfer add up to its amount.
      CREATE TABLE transfer_items (
        transfer_id TEXT NOT NULL REFERENCES transfers(id),
        order_id TEXT NOT NULL REFERENCES orders(id),
        line_id TEXT NOT NULL,
        amount INTEGER NOT NULL,
        PRIMARY KEY (transfer_id, order_id, line_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX transfer_items_order ON transfer_items(order_id, line_id);
      CREATE TRIGGER transfer_items_no_update BEFORE UPDATE ON transfer_items
        BEGIN SELECT RAISE(ABORT, 'transfer items are append-only'); END;
      CREATE TRIGGER transfer_items_no_delete BEFORE DELETE ON transfer_items
        BEGIN SELECT RAISE(ABORT, 'transfer items are append-only'); END;
    `);
  },
  down(db) {
    schema(db, `DROP TABLE transfer_items; DROP TABLE transfers; DROP TABLE release_runs; DROP TABLE routing_state;
      DROP TABLE routing_history; DROP TABLE routing_offers;`);
  },
};
