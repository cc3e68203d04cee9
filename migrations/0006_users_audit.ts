// Local users, their sessions, and the append-only, hash-chained audit trail (docs/spec.md
// invariant 7; docs/security.md). Self-contained: it references no table of another migration,
// so it applies whatever 0002-0005 hold.
import { schema } from './postgres-ddl.js';
import type { Migration } from './types.js';

/** The `prev_hash` of the first audit row. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

const CHAIN_TRIGGER = `CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
        WHEN NEW.seq IS NOT COALESCE((SELECT max(seq) FROM audit_log), 0) + 1
          OR NEW.prev_hash IS NOT COALESCE((SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1), '${AUDIT_GENESIS_HASH}')
        BEGIN SELECT RAISE(ABORT, 'an audit row must extend the chain'); END;`;

export const migration: Migration = {
  name: '0006_users_audit',
  up(db) {
    schema(db, `
      -- A person who signs in. The scope of a controller is a list of regions, that of a store
      -- manager a list of entities (JSON arrays); head-office roles and auditors see everything.
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        login TEXT NOT NULL COLLATE NOCASE UNIQUE,
        role TEXT NOT NULL CHECK (role IN ('admin', 'finance', 'controller', 'store_manager', 'auditor')),
        regions_json TEXT NOT NULL DEFAULT '[]',
        entities_json TEXT NOT NULL DEFAULT '[]',
        password_hash TEXT NOT NULL,          -- scrypt$N$r$p$salt$hash (core/security/passwords.ts)
        must_change_password INTEGER NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1)),
        failed_attempts INTEGER NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
        locked_until TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        password_changed_at TEXT NOT NULL,
        last_login_at TEXT,
        disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1))
      ) STRICT;

      -- A signed-in session. Only the sha256 of its random token is stored, so a copy of the
      -- database does not hand out live sessions.
      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        user_id TEXT NOT NULL REFERENCES users(id),
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        last_seen_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX sessions_user ON sessions(user_id);

      -- Every mutating API call: who, when, what, with which input, and before/after where the
      -- handler gives them. hash = sha256(prev_hash || canonical content) (core/security/audit-chain.ts).
      CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY CHECK (seq > 0),
        at TEXT NOT NULL,
        actor_id TEXT NOT NULL,
        actor_name TEXT NOT NULL,
        actor_role TEXT NOT NULL,
        operation TEXT NOT NULL,
        outcome TEXT NOT NULL,                -- 'ok', or the error code of a refused call
        entities_json TEXT NOT NULL,          -- entities the call concerns (scope of the row)
        input_json TEXT NOT NULL,             -- secrets redacted, large inputs replaced by their digest
        before_json TEXT,
        after_json TEXT,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE
      ) STRICT;
      CREATE INDEX audit_log_at ON audit_log(at);
      CREATE INDEX audit_log_operation ON audit_log(operation);
      CREATE INDEX audit_log_actor ON audit_log(actor_id);

      -- Append-only: no update, no delete, and each row must extend the chain.
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
      ${CHAIN_TRIGGER}
    `, {
      // SQLite's NOCASE: a case-insensitive ICU collation (equality and UNIQUE ignore case).
      before: "CREATE COLLATION IF NOT EXISTS ventil_nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);",
      replace: [
        ['COLLATE NOCASE', 'COLLATE ventil_nocase'],
        // PostgreSQL refuses a subquery in a trigger's WHEN: the chain check is a function.
        [CHAIN_TRIGGER, `CREATE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            IF NEW.seq IS DISTINCT FROM COALESCE((SELECT max(seq) FROM audit_log), 0) + 1
              OR NEW.prev_hash IS DISTINCT FROM COALESCE((SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1), '${AUDIT_GENESIS_HASH}') THEN
              RAISE EXCEPTION 'an audit row must extend the chain';
            END IF;
            RETURN NEW;
          END $$;
        CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_chain();`],
      ],
    });
  },
  down(db) {
    schema(db, `
      DROP TRIGGER audit_log_chain; DROP TRIGGER audit_log_no_delete; DROP TRIGGER audit_log_no_update;
      DROP TABLE audit_log; DROP TABLE sessions; DROP TABLE users;
    `, {
      // A table's triggers go with it; its functions and the collation stay shared.
      replace: [['DROP TRIGGER audit_log_chain; DROP TRIGGER audit_log_no_delete; DROP TRIGGER audit_log_no_update;', '']],
      after: 'DROP FUNCTION audit_log_chain();',
    });
  },
};
