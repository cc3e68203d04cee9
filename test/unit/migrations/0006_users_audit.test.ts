// Migration 0006 adds users, sessions and the audit trail to a database that already holds a
// network, whatever migrations came before it, and can be rolled back.
import { describe, expect, it } from 'vitest';
import { migrations } from '../../../migrations/index.js';
import { AUDIT_GENESIS_HASH, migration as m0006 } from '../../../migrations/0006_users_audit.js';
import { openDatabase } from '../../../core/store/database.js';
import { FROZEN_NOW, tempDir } from '../../helpers/db.js';
import { postgresDatabases, postgresInstalled } from '../../helpers/postgres.js';

describe('0006_users_audit', () => {
  const at = migrations.findIndex((m) => m.name === m0006.name);

  it('is in the static list', () => {
    expect(at).toBeGreaterThan(0);
  });

  it('migrates a database with data in place, after a backup', () => {
    const t = tempDir();
    try {
      const file = `${t.dir}/v.db`;
      const before = openDatabase({ file, now: () => FROZEN_NOW, migrations: migrations.slice(0, at), key: null });
      before.db.exec("INSERT INTO entities (id, name, kind, siren, region) VALUES ('LYON', 'Lyon', 'franchisee', '802314740', 'AURA')");
      before.db.close();
      const after = openDatabase({ file, now: () => FROZEN_NOW, key: null });
      expect(after.migrated.applied).toContain(m0006.name);
      expect(after.migrated.backup).toMatch(/before-/);
      const db = after.db;
      expect(db.prepare('SELECT name FROM entities').pluck().all()).toEqual(['Lyon']);
      expect(db.prepare('SELECT count(*) FROM users').pluck().get()).toBe(0);
      db.prepare(`INSERT INTO users (id, name, login, role, entities_json, password_hash, created_at, updated_at, password_changed_at)
        VALUES ('u1', 'A', 'Jean', 'store_manager', '["LYON"]', 'scrypt$x', 'now', 'now', 'now')`).run();
      expect(() => db.prepare(`INSERT INTO users (id, name, login, role, password_hash, created_at, updated_at, password_changed_at)
        VALUES ('u2', 'B', 'JEAN', 'admin', 'h', 'now', 'now', 'now')`).run()).toThrow(/UNIQUE/);
      expect(() => db.prepare(`INSERT INTO users (id, name, login, role, password_hash, created_at, updated_at, password_changed_at)
        VALUES ('u3', 'C', 'c', 'superuser', 'h', 'now', 'now', 'now')`).run()).toThrow(/CHECK/);
      expect(() => db.prepare("INSERT INTO sessions (id, token_hash, user_id, created_at, expires_at, last_seen_at) VALUES ('s', 'h', 'nobody', 'a', 'b', 'c')").run()).toThrow(/FOREIGN KEY/);
      db.transaction(() => m0006.down(db))();
      expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name IN ('users', 'sessions', 'audit_log')").pluck().get()).toBe(0);
      db.close();
    } finally {
      t.cleanup();
    }
  });
});

describe.skipIf(!postgresInstalled)('0006_users_audit on PostgreSQL', () => {
  const database = postgresDatabases('0006_users_audit.test');
  const at = migrations.findIndex((m) => m.name === m0006.name);

  it('keeps logins unique whatever their case, the audit log chained and append-only; rolls back with down()', () => {
    const db = database(migrations.slice(0, at + 1));
    const user = (id: string, login: string, role = 'store_manager') => db.prepare(`INSERT INTO users (id, name, login, role, password_hash, created_at, updated_at, password_changed_at)
      VALUES (?, 'A', ?, ?, 'h', 'now', 'now', 'now')`).run(id, login, role);
    user('u1', 'Jean');
    expect(() => user('u2', 'JEAN')).toThrow(/duplicate key value violates unique constraint/);
    expect(db.prepare('SELECT id FROM users WHERE login = ?').pluck().get('jean')).toBe('u1');
    expect(() => user('u3', 'c', 'superuser')).toThrow(/check constraint/);
    const audit = (seq: number, prev: string, hash: string) => db.prepare(`INSERT INTO audit_log (seq, at, actor_id, actor_name, actor_role, operation, outcome, entities_json, input_json, prev_hash, hash)
      VALUES (?, 'now', 'u1', 'A', 'admin', 'op', 'ok', '[]', '{}', ?, ?)`).run(seq, prev, hash);
    audit(1, AUDIT_GENESIS_HASH, 'h1');
    expect(() => audit(3, 'h1', 'h3')).toThrow('an audit row must extend the chain');
    expect(() => audit(2, 'nope', 'h2')).toThrow('an audit row must extend the chain');
    audit(2, 'h1', 'h2');
    expect(() => db.exec("UPDATE audit_log SET outcome = 'x'")).toThrow('the audit log is append-only');
    expect(() => db.exec('DELETE FROM audit_log')).toThrow('the audit log is append-only');
    db.transaction(() => m0006.down(db))();
    expect(db.prepare("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename IN ('users', 'sessions', 'audit_log')").pluck().get()).toBe(0);
    expect(db.prepare("SELECT count(*) FROM pg_proc WHERE proname = 'audit_log_chain'").pluck().get()).toBe(0);
  });
});
