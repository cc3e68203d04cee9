// Migration 0008 replaces the account lockout columns by sign-in throttles and makes a PSP
// payment belong to one order, on a database that already holds users and orders, including a
// payment two orders carried before the check existed (kept, but no third order may take it).
import { describe, expect, it } from 'vitest';
import { migrations } from '../../../migrations/index.js';
import { migration as m0008 } from '../../../migrations/0008_hardening.js';
import { openDatabase } from '../../../core/store/database.js';
import { FROZEN_NOW, tempDir } from '../../helpers/db.js';
import { postgresDatabases, postgresInstalled } from '../../helpers/postgres.js';

describe('0008_hardening', () => {
  const at = migrations.findIndex((m) => m.name === m0008.name);

  it('comes after 0007 in the static list', () => {
    expect(migrations[at - 1]!.name).toBe('0007_settlement_access_paths');
  });

  it('migrates users and payments in place, then refuses a payment already carried by another order', () => {
    const t = tempDir();
    try {
      const file = `${t.dir}/v.db`;
      const before = openDatabase({ file, now: () => FROZEN_NOW, migrations: migrations.slice(0, at), key: null });
      before.db.exec(`
        INSERT INTO users (id, name, login, role, password_hash, failed_attempts, locked_until, created_at, updated_at, password_changed_at)
          VALUES ('u1', 'Lyon', 'lyon', 'store_manager', 'scrypt$x', 3, '2026-04-01T12:15:00Z', 'now', 'now', 'now');
        INSERT INTO orders (id, channel, created_at, currency, content_hash, imported_at) VALUES
          ('W-1', 'web', '2026-01-01T00:00:00Z', 'EUR', 'h', 'now'), ('W-2', 'web', '2026-01-01T00:00:00Z', 'EUR', 'h', 'now'), ('W-3', 'web', '2026-01-01T00:00:00Z', 'EUR', 'h', 'now');
        INSERT INTO payments (order_id, payment_id, seq, amount, captured_at) VALUES
          ('W-1', 'PAY-1', 0, 100, 't'), ('W-2', 'PAY-1', 0, 100, 't'), ('W-2', 'PAY-2', 1, 5, 't');`);
      before.db.close();

      const after = openDatabase({ file, now: () => FROZEN_NOW, key: null });
      expect(after.migrated.applied).toEqual(migrations.slice(at).map((m) => m.name));
      const db = after.db;
      expect(db.prepare('SELECT id, login FROM users').all()).toEqual([{ id: 'u1', login: 'lyon' }]);
      const columns = db.prepare("SELECT name FROM pragma_table_info('users')").pluck().all();
      expect(columns).not.toContain('failed_attempts');
      expect(columns).not.toContain('locked_until');
      // The duplicate from before the check stays; a third order cannot take the payment.
      expect(db.prepare("SELECT order_id FROM payments WHERE payment_id = 'PAY-1' ORDER BY order_id").pluck().all()).toEqual(['W-1', 'W-2']);
      expect(() => db.exec("INSERT INTO payments (order_id, payment_id, seq, amount, captured_at) VALUES ('W-3', 'PAY-2', 0, 5, 't')")).toThrow(/another order/);
      db.exec("INSERT INTO payments (order_id, payment_id, seq, amount, captured_at) VALUES ('W-3', 'PAY-3', 0, 5, 't')");
      const plan = db.prepare("EXPLAIN QUERY PLAN SELECT order_id FROM payments WHERE payment_id = 'PAY-3'").all() as { detail: string }[];
      expect(plan.map((p) => p.detail).join()).toMatch(/payments_payment_id/);

      db.exec("INSERT INTO sign_in_throttles (kind, key, failures, first_failure_at, last_failure_at) VALUES ('login', 'nobody', 2, 'a', 'b')");
      expect(() => db.exec("INSERT INTO sign_in_throttles (kind, key, failures, first_failure_at, last_failure_at) VALUES ('user', 'x', 1, 'a', 'b')")).toThrow(/CHECK/);
      expect(() => db.exec("INSERT INTO sign_in_throttles (kind, key, failures, first_failure_at, last_failure_at) VALUES ('login', 'nobody', 1, 'a', 'b')")).toThrow(/UNIQUE/);

      db.transaction(() => m0008.down(db))();
      expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name IN ('sign_in_throttles', 'payments_one_order', 'payments_payment_id')").pluck().get()).toBe(0);
      expect(db.prepare('SELECT failed_attempts, locked_until FROM users').get()).toEqual({ failed_attempts: 0, locked_until: null });
      db.exec("INSERT INTO payments (order_id, payment_id, seq, amount, captured_at) VALUES ('W-1', 'PAY-3', 1, 5, 't')");
      db.close();
    } finally {
      t.cleanup();
    }
  });
});

describe.skipIf(!postgresInstalled)('0008_hardening on PostgreSQL', () => {
  const database = postgresDatabases('0008_hardening.test');
  const at = migrations.findIndex((m) => m.name === m0008.name);

  it('migrates users and payments in place, then refuses a payment already carried by another order; rolls back with down()', () => {
    const db = database(migrations.slice(0, at));
    db.exec(`INSERT INTO users (id, name, login, role, password_hash, failed_attempts, locked_until, created_at, updated_at, password_changed_at)
        VALUES ('u1', 'Lyon', 'lyon', 'store_manager', 'scrypt$x', 3, '2026-04-01T12:15:00Z', 'now', 'now', 'now');
      INSERT INTO orders (id, channel, created_at, currency, content_hash, imported_at) VALUES
        ('W-1', 'web', '2026-01-01T00:00:00Z', 'EUR', 'h', 'now'), ('W-2', 'web', '2026-01-01T00:00:00Z', 'EUR', 'h', 'now'), ('W-3', 'web', '2026-01-01T00:00:00Z', 'EUR', 'h', 'now');
      INSERT INTO payments (order_id, payment_id, seq, amount, captured_at) VALUES ('W-1', 'PAY-1', 0, 100, 't'), ('W-2', 'PAY-1', 0, 100, 't'), ('W-2', 'PAY-2', 1, 5, 't');`);
    db.transaction(() => m0008.up(db))();
    const columns = db.prepare("SELECT column_name FROM information_schema.columns WHERE table_name = 'users'").pluck().all();
    expect(columns).not.toContain('failed_attempts');
    expect(db.prepare("SELECT order_id FROM payments WHERE payment_id = 'PAY-1' ORDER BY order_id").pluck().all()).toEqual(['W-1', 'W-2']);
    expect(() => db.exec("INSERT INTO payments (order_id, payment_id, seq, amount, captured_at) VALUES ('W-3', 'PAY-2', 0, 5, 't')")).toThrow('this payment already belongs to another order');
    db.exec("INSERT INTO payments (order_id, payment_id, seq, amount, captured_at) VALUES ('W-3', 'PAY-3', 0, 5, 't')");
    expect(() => db.exec("INSERT INTO sign_in_throttles (kind, key, failures, first_failure_at, last_failure_at) VALUES ('user', 'x', 1, 'a', 'b')")).toThrow(/check constraint/);
    db.transaction(() => m0008.down(db))();
    expect(db.prepare("SELECT count(*) FROM pg_class WHERE relname IN ('sign_in_throttles', 'payments_payment_id')").pluck().get()).toBe(0);
    expect(db.prepare('SELECT failed_attempts, locked_until FROM users').get()).toEqual({ failed_attempts: 0, locked_until: null });
    db.exec("INSERT INTO payments (order_id, payment_id, seq, amount, captured_at) VALUES ('W-1', 'PAY-3', 1, 5, 't')");
  });
});
