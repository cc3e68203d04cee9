// One network, many installations (docs/deployment.md, docs/decisions/0009-network-replication.md).
// On the hub: the change log (dirty documents marked by triggers in the same transaction as the
// change, then sealed into an ordered log tagged by scope), the enrolled devices, and the
// commands they pushed with the hub's answer. On a replica: where it syncs from and how far it
// got, the documents it holds with their scope tags, and its outbox of commands for the hub.
// Every installation has all the tables; only the hub's or only the replica's are filled. The
// change triggers are not created here: a database starts logging changes when it becomes a hub
// (its first device is enrolled), so a standalone installation pays nothing for replication
// (core/store/change-triggers.ts, ensureChangeLog).
import { changeTriggerTables, dropTrigger } from '../core/store/change-triggers.js';
import { schema } from './postgres-ddl.js';
import type { Migration } from './types.js';

export const migration: Migration = {
  name: '0009_network_replication',
  up(db) {
    schema(db, `
      -- Documents changed since the last seal: (kind, key) only, written by the change triggers.
      CREATE TABLE change_dirty (
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        PRIMARY KEY (kind, key)
      ) STRICT, WITHOUT ROWID;

      -- The ordered change log: one row per document and scope tag ('*' the whole network,
      -- 'e:ENTITY', 'g:REGION', 'd:DEVICE'). A document that changes again moves to a new seq, so
      -- the log holds each document once per tag. live = 0: the document left that tag (a
      -- replica holding it through that tag deletes it).
      CREATE TABLE change_log (
        tag TEXT NOT NULL,
        seq INTEGER NOT NULL CHECK (seq > 0),
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        live INTEGER NOT NULL CHECK (live IN (0, 1)),
        PRIMARY KEY (tag, seq)
      ) STRICT, WITHOUT ROWID;
      CREATE UNIQUE INDEX change_log_doc ON change_log(kind, key, tag);
      CREATE INDEX change_log_seq ON change_log(seq);

      -- Devices enrolled (or being enrolled) as replicas of a scope. The enrolment code and the
      -- device secret are stored as sha256 only.
      CREATE TABLE devices (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        scope TEXT NOT NULL,                  -- entity:ID, region:NAME or network
        status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'revoked')),
        code_hash TEXT NOT NULL UNIQUE,
        code_expires_at TEXT NOT NULL,
        code_used_at TEXT,
        secret_hash TEXT UNIQUE,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        enrolled_at TEXT,
        revoked_at TEXT,
        revoked_by TEXT,
        revoke_reason TEXT,
        last_seen_at TEXT,
        last_seq INTEGER,
        anchor_json TEXT,                     -- the last audit-chain anchor the device sent
        anchor_at TEXT
      ) STRICT;

      -- Commands pushed by devices, applied once each, with the hub's answer (which travels back
      -- to that device with its pulls).
      CREATE TABLE device_commands (
        device_id TEXT NOT NULL,
        command_id TEXT NOT NULL,
        op TEXT NOT NULL,
        user_id TEXT NOT NULL,
        input_json TEXT NOT NULL,
        issued_at TEXT NOT NULL,
        applied_at TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('accepted', 'refused')),
        error_code TEXT,
        error_message TEXT,
        PRIMARY KEY (device_id, command_id)
      ) STRICT;

      -- A replica: its hub, its device, how far it got. One row, or none on a hub.
      CREATE TABLE replica_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        status TEXT NOT NULL CHECK (status IN ('joining', 'active', 'revoked')),
        hub_url TEXT NOT NULL,
        ca_pem TEXT,                          -- the CA that signed the hub's certificate, if private
        join_code TEXT,                       -- the one-time code, only while a join is pending
        device_id TEXT,
        device_name TEXT,
        scope TEXT,
        cursor TEXT NOT NULL DEFAULT '',
        tags_json TEXT NOT NULL DEFAULT '[]', -- the scope tags the data held corresponds to
        hub_seq INTEGER NOT NULL DEFAULT 0,
        epoch INTEGER NOT NULL DEFAULT 0,     -- bumped when the hub starts the replica over
        resync INTEGER NOT NULL DEFAULT 0 CHECK (resync IN (0, 1)), -- starting over, not complete yet
        created_at TEXT NOT NULL,
        joined_at TEXT,
        data_as_of TEXT,                      -- hub time of the last complete pull
        last_contact_at TEXT,
        offline_since TEXT,
        last_error_code TEXT,
        last_error TEXT,
        revoked_at TEXT
      ) STRICT;

      -- The documents a replica holds, with the change-log seq and the scope tags they came with,
      -- and the epoch they were last sent in (after starting over, those not sent again go).
      CREATE TABLE replica_docs (
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        seq INTEGER NOT NULL,
        tags_json TEXT NOT NULL,
        epoch INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (kind, key)
      ) STRICT, WITHOUT ROWID;

      -- A replica's outbox of decisions for the hub, written in the same transaction as their
      -- local effect. The hub's answer arrives as a device_commands row.
      CREATE TABLE command_outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        op TEXT NOT NULL,
        input_json TEXT NOT NULL,
        user_id TEXT NOT NULL,
        user_name TEXT NOT NULL,
        entities_json TEXT NOT NULL,          -- entities the decision concerns (who sees it)
        summary TEXT NOT NULL,
        created_at TEXT NOT NULL,
        pushed_at TEXT,
        push_attempts INTEGER NOT NULL DEFAULT 0
      ) STRICT;
      CREATE TRIGGER command_outbox_immutable BEFORE UPDATE OF seq, id, op, input_json, user_id, user_name, entities_json, summary, created_at ON command_outbox
        BEGIN SELECT RAISE(ABORT, 'a command never changes once written'); END;
      CREATE TRIGGER command_outbox_no_delete BEFORE DELETE ON command_outbox
        BEGIN SELECT RAISE(ABORT, 'commands are never deleted'); END;
    `);
  },
  down(db) {
    for (const [table, names] of changeTriggerTables(db)) for (const name of names) dropTrigger(db, name, table);
    schema(db, `
      DROP TABLE command_outbox; DROP TABLE replica_docs; DROP TABLE replica_state;
      DROP TABLE device_commands; DROP TABLE devices; DROP TABLE change_log; DROP TABLE change_dirty;
    `);
  },
};
