// The change triggers on PostgreSQL (core/store/change-triggers.ts): one trigger per replicated
// table, the rows written before marked when logging starts, document keys byte-identical to
// SQLite's (composite keys as SQLite's compact JSON arrays, escapes included), a changed key
// marked under both values; a replica drops the change triggers and the append-only guards.
import { beforeAll, describe, expect, it } from 'vitest';
import { changeLogEnabled, changeTriggerTables, dropReplicaGuards, ensureChangeLog } from '../../../core/store/change-triggers.js';
import { REPLICATED_TABLES } from '../../../core/store/replicated-set.js';
import type { Db } from '../../../core/store/db.js';
import { migrations } from '../../../migrations/index.js';
import { memoryDb } from '../../helpers/db.js';
import { postgresDatabases, postgresInstalled } from '../../helpers/postgres.js';


/** The same writes on either database; returns what they marked dirty. */
function writes(db: Db): unknown[] {
  db.exec(`INSERT INTO entities (id, name, kind, siren) VALUES ('H"Q é\\', 'Siège', 'franchisor', '552100554');
    INSERT INTO accounts (entity, number, label, created_at) VALUES ('H"Q é\\', '411000', 'Clients', 'now');
    INSERT INTO network_settings (key, value) VALUES ('a', '1'); UPDATE network_settings SET key = 'b' WHERE key = 'a';
    INSERT INTO orders (id, channel, created_at, currency, content_hash, imported_at) VALUES ('O1', 'web', '2026-01-01T00:00:00Z', 'EUR', 'h', 'now');
    INSERT INTO events (event_key, order_id, line_id, type, at, payload_json, received_at) VALUES ('k1', 'O1', '1', 'line_shipped', 'a', '{}', 'now');`);
  return db.prepare('SELECT kind, key FROM change_dirty ORDER BY kind, key').all();
}

describe.skipIf(!postgresInstalled)('the change triggers on PostgreSQL', () => {
  const database = postgresDatabases('change-triggers-postgres.test');
  let db: Db;
  beforeAll(() => { db = database(migrations); });

  it('log nothing until the database becomes a hub, then one trigger per replicated table', () => {
    expect(changeLogEnabled(db)).toBe(false);
    db.exec("INSERT INTO rules (id, version, rule_group, priority, valid_from, when_json, legs_json, content_hash, created_at) VALUES ('R', 1, 'g', 1, 'a', '{}', '[]', 'h', 'now')");
    ensureChangeLog(db);
    expect(changeLogEnabled(db)).toBe(true);
    const triggers = changeTriggerTables(db);
    expect([...triggers.keys()].sort()).toEqual(REPLICATED_TABLES.filter((t) => (t.marked ?? 'trigger') === 'trigger').map((t) => t.table).sort());
    for (const [table, names] of triggers) expect(names, table).toEqual([`change_${table}`]);
    expect(db.prepare('SELECT kind, key FROM change_dirty').all()).toEqual([{ kind: 'rule', key: 'R' }]);
    expect(ensureChangeLog(db).tables).toEqual([]);
  });

  it('mark the same keys as SQLite does, byte for byte', () => {
    db.exec('DELETE FROM change_dirty');
    const sqlite = memoryDb();
    ensureChangeLog(sqlite);
    const expected = writes(sqlite);
    expect(expected).toContainEqual({ kind: 'account', key: '["H\\"Q é\\\\","411000"]' });
    expect(expected).toContainEqual({ kind: 'setting', key: 'a' });
    expect(writes(db)).toEqual(expected);
  });

  it('are dropped on a replica with the append-only guards of the tables the hub fills', () => {
    const dropped = dropReplicaGuards(db, ['events', 'accounts']);
    expect(dropped).toEqual(['change_accounts', 'change_events', 'events_no_delete', 'events_no_update']);
    db.exec("UPDATE events SET type = 'line_cancelled'");
    db.exec('DELETE FROM change_dirty');
    db.exec("UPDATE accounts SET label = 'x'");
    expect(db.prepare('SELECT count(*) FROM change_dirty').pluck().get()).toBe(0);
    expect(db.prepare("SELECT count(*) FROM pg_proc WHERE proname = 'change_accounts'").pluck().get()).toBe(0);
  });

  it('finds the guards of a table migration 0014 made a view on the table holding its rows', () => {
    expect(dropReplicaGuards(db, ['journal_lines'])).toEqual(['journal_lines_immutable_delete', 'journal_lines_immutable_update']);
    db.exec(`INSERT INTO journal_entries (entity, journal, fiscal_year, number, entry_date, event_at, valid_at, label, piece_ref, piece_date, source_key, currency, orig_currency)
        VALUES ('H"Q é\\', 'OD', '2026', 1, 'd', 'e', 'v', 'l', 'p', 'd', 's', 'EUR', 'EUR');
      INSERT INTO journal_lines (entry_id, seq, fact, role, account, aux, debit, credit, label, amount_orig, orig_currency)
        SELECT id, 0, 'f', 'r', '411000', NULL, 1, 0, 'l', 1, 'EUR' FROM journal_entries;
      UPDATE journal_lines SET label = 'fixed by the hub'; DELETE FROM journal_lines;`);
    expect(() => db.exec('DELETE FROM journal_entries')).toThrow('journal entries are immutable; post a reversing entry');
  });
});
