// Migration 0006 adds users, sessions and the audit trail to a database that already holds a
// network, whatever migrations came before it, and can be rolled back.
import { describe, expect, it } from 'vitest';
import { migrations } from '../../../migrations/index.js';
import { migration as m0006 } from '../../../migrations/0006_users_audit.js';
import { openDatabase } from '../../../core/store/database.js';
import { FROZEN_NOW, tempDir } from '../../helpers/db.js';

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
