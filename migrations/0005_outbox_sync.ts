// The outbox that carries calls to the PSP and the ERP (docs/spec.md section 10), what the PSP
// confirmed (objects and incoming events), sync bookkeeping, reconciliation runs, and the state
// of the embedded sandbox PSP. docs/sync.md describes every table; docs/decisions/0005-outbox.md
// says why it is shaped this way.
import { schema } from './postgres-ddl.js';
import type { Migration } from './types.js';

export const migration: Migration = {
  name: '0005_outbox_sync',
  up(db) {
    schema(db, `
      -- One row per call to make. Written in the same transaction as the business change that
      -- needs it (core/sync/outbox.ts); sent by the runner (core/sync/runner.ts). What the call
      -- says (kind, target, key, payload) never changes once written; only its delivery state does.
      CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL CHECK (kind GLOB '[a-z]*.[a-z]*'),
        target TEXT NOT NULL,
        idempotency_key TEXT NOT NULL UNIQUE CHECK (length(idempotency_key) BETWEEN 1 AND 255),
        entity TEXT,                    -- the entity the call concerns (scope), from payload.entity
        depends_on TEXT,                -- idempotency key of a row that must be sent first
        payload_json TEXT NOT NULL,
        payload_hash TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending'
          CHECK (status IN ('pending', 'in_flight', 'sent', 'failed', 'dead', 'cancelled')),
        attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        next_attempt_at TEXT NOT NULL,
        claimed_by TEXT,
        claimed_at TEXT,
        last_error TEXT,
        last_error_code TEXT,
        created_at TEXT NOT NULL,
        first_attempt_at TEXT,
        sent_at TEXT,
        updated_at TEXT NOT NULL,
        response_json TEXT,
        adapter TEXT                    -- the adapter that acknowledged it (sandbox, stripe, ...)
      ) STRICT;
      CREATE INDEX outbox_due ON outbox(status, next_attempt_at, id);
      CREATE INDEX outbox_entity ON outbox(entity, status);
      CREATE INDEX outbox_kind ON outbox(kind, status);
      -- Refunds already enqueued for an order (core/sync/outbox.ts refundSplit).
      CREATE INDEX outbox_refund_order ON outbox(json_extract(payload_json, '$.order')) WHERE kind = 'psp.refund';
      CREATE TRIGGER outbox_call_immutable BEFORE UPDATE OF kind, target, idempotency_key, entity, depends_on, payload_json, payload_hash, created_at ON outbox
        BEGIN SELECT RAISE(ABORT, 'an outbox call never changes once written; cancel it and enqueue another'); END;
      CREATE TRIGGER outbox_no_delete BEFORE DELETE ON outbox
        BEGIN SELECT RAISE(ABORT, 'outbox rows are never deleted; cancel them'); END;

      -- Every attempt and every operator action on an outbox row, append-only.
      CREATE TABLE outbox_attempts (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        outbox_id INTEGER NOT NULL REFERENCES outbox(id),
        attempt INTEGER NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('sent', 'retry', 'offline', 'blocked', 'dead', 'interrupted', 'found', 'operator_retry', 'operator_cancel')),
        error_code TEXT,
        error TEXT,
        http_status INTEGER,
        actor TEXT
      ) STRICT;
      CREATE INDEX outbox_attempts_row ON outbox_attempts(outbox_id, seq);
      CREATE TRIGGER outbox_attempts_no_update BEFORE UPDATE ON outbox_attempts
        BEGIN SELECT RAISE(ABORT, 'outbox attempts are append-only'); END;
      CREATE TRIGGER outbox_attempts_no_delete BEFORE DELETE ON outbox_attempts
        BEGIN SELECT RAISE(ABORT, 'outbox attempts are append-only'); END;

      -- What the PSP confirmed: one row per PSP object (capture, transfer, reversal, refund,
      -- payout), merged monotonically from acknowledgements, webhooks and report rows.
      CREATE TABLE psp_objects (
        psp TEXT NOT NULL,
        psp_id TEXT NOT NULL,
        type TEXT NOT NULL CHECK (type IN ('capture', 'transfer', 'transfer_reversal', 'refund', 'payout')),
        outbox_key TEXT,                -- idempotency key of the outbox row that created it
        entity TEXT,
        destination TEXT,
        parent_psp_id TEXT,             -- reversal: its transfer; refund: its payment
        amount INTEGER NOT NULL,
        amount_reversed INTEGER NOT NULL DEFAULT 0,
        fee INTEGER,
        currency TEXT NOT NULL,
        status TEXT NOT NULL,
        status_rank INTEGER NOT NULL,
        failure_code TEXT,
        release_run TEXT,
        orders_json TEXT,
        psp_created TEXT,
        first_seen_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        last_source TEXT NOT NULL,
        PRIMARY KEY (psp, psp_id)
      ) STRICT;
      CREATE INDEX psp_objects_key ON psp_objects(outbox_key);
      CREATE INDEX psp_objects_entity ON psp_objects(entity, type);

      -- Incoming PSP events (webhooks, event files, settlement report rows), once each.
      CREATE TABLE psp_events (
        psp TEXT NOT NULL,
        event_id TEXT NOT NULL,
        type TEXT NOT NULL,
        object_id TEXT,
        psp_created TEXT,
        source TEXT NOT NULL,
        payload_json TEXT NOT NULL,
        received_at TEXT NOT NULL,
        applied TEXT NOT NULL CHECK (applied IN ('applied', 'stale', 'ignored', 'unmatched')),
        note TEXT,
        PRIMARY KEY (psp, event_id)
      ) STRICT;
      CREATE INDEX psp_events_object ON psp_events(object_id);
      CREATE TRIGGER psp_events_no_delete BEFORE DELETE ON psp_events
        BEGIN SELECT RAISE(ABORT, 'psp events are append-only'); END;

      -- Small key/value bookkeeping: runner lock, last success and error, feed cursors.
      CREATE TABLE sync_state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,             -- JSON
        updated_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE reconciliation_runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        psp TEXT NOT NULL,
        source TEXT NOT NULL,
        file_hash TEXT NOT NULL,
        period_from TEXT,
        period_to TEXT,
        report_rows INTEGER NOT NULL,
        matched INTEGER NOT NULL,
        mismatches INTEGER NOT NULL,
        summary_json TEXT NOT NULL
      ) STRICT;

      CREATE TABLE reconciliation_items (
        run_id INTEGER NOT NULL REFERENCES reconciliation_runs(id),
        seq INTEGER NOT NULL,
        category TEXT NOT NULL,          -- capture, fee, transfer, transfer_reversal, refund, payout, other
        status TEXT NOT NULL,            -- matched, or the kind of mismatch (docs/sync.md)
        entity TEXT,
        currency TEXT,
        expected INTEGER,
        actual INTEGER,
        difference INTEGER,
        ventil_ref TEXT,
        psp_ref TEXT,
        orders_json TEXT,
        message TEXT NOT NULL,
        PRIMARY KEY (run_id, seq)
      ) STRICT;
      CREATE INDEX reconciliation_items_entity ON reconciliation_items(run_id, entity, status);
      CREATE TRIGGER reconciliation_items_no_update BEFORE UPDATE ON reconciliation_items
        BEGIN SELECT RAISE(ABORT, 'reconciliation results are append-only'); END;

      -- The embedded sandbox PSP (core/adapters/sandbox-psp.ts): its own requests and objects,
      -- kept apart from what Ventil believes (psp_objects), like a real PSP would be.
      CREATE TABLE sandbox_psp_requests (
        idempotency_key TEXT PRIMARY KEY,
        operation TEXT NOT NULL,
        params_hash TEXT NOT NULL,
        response_json TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE TABLE sandbox_psp_objects (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        type TEXT NOT NULL,
        amount INTEGER NOT NULL,
        currency TEXT NOT NULL,
        destination TEXT,
        parent_id TEXT,
        status TEXT NOT NULL,
        metadata_json TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;
    `, {
      // GLOB and json_extract are SQLite's: a regular expression and ->> say the same.
      replace: [
        ["CHECK (kind GLOB '[a-z]*.[a-z]*')", "CHECK (kind ~ '^[a-z].*[.][a-z]')"],
        ["outbox(json_extract(payload_json, '$.order'))", "outbox((payload_json::json ->> 'order'))"],
      ],
    });
  },
  down(db) {
    schema(db, `
      DROP TABLE sandbox_psp_objects; DROP TABLE sandbox_psp_requests;
      DROP TABLE reconciliation_items; DROP TABLE reconciliation_runs;
      DROP TABLE sync_state; DROP TABLE psp_events; DROP TABLE psp_objects;
      DROP TABLE outbox_attempts; DROP TABLE outbox;
    `);
  },
};
