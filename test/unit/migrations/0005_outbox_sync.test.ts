// Migration 0005 adds the outbox, PSP state, sync bookkeeping and reconciliation tables on a
// database that already holds a network and orders (whatever migration precedes it in the list).
import { describe, expect, it } from 'vitest';
import { migrations } from '../../../migrations/index.js';
import { migrate } from '../../../core/store/database.js';
import { openSqlite } from '../../../core/store/sqlite.js';
import { FROZEN_NOW } from '../../helpers/db.js';
import { postgresDatabases, postgresInstalled } from '../../helpers/postgres.js';

describe('0005_outbox_sync', () => {
  const db = openSqlite(':memory:');
  db.pragma('foreign_keys = ON');
  const index = migrations.findIndex((m) => m.name === '0005_outbox_sync');
  migrate(db, ':memory:', migrations.slice(0, index), () => FROZEN_NOW);
  db.exec(`INSERT INTO orders (id, channel, created_at, currency, content_hash, imported_at) VALUES ('O1', 'web', '2026-01-01T00:00:00Z', 'EUR', 'h', 'now')`);
  const report = migrate(db, ':memory:', migrations.slice(0, index + 1), () => FROZEN_NOW);
  const at = FROZEN_NOW.toISOString();
  const insert = (key: string) => db.prepare(`INSERT INTO outbox (kind, target, idempotency_key, entity, payload_json, payload_hash, next_attempt_at, created_at, updated_at)
    VALUES ('psp.transfer', 'psp', ?, 'E1', '{}', 'h', ?, ?, ?)`).run(key, at, at, at);

  it('applies on top of the migration before it, with the data in place', () => {
    expect(report.applied).toEqual(['0005_outbox_sync']);
    expect(db.prepare('SELECT id FROM orders').pluck().all()).toEqual(['O1']);
  });

  it('keeps idempotency keys unique and calls immutable; delivery state may change', () => {
    insert('k1');
    expect(() => insert('k1')).toThrow(/UNIQUE/);
    expect(() => db.exec("UPDATE outbox SET payload_json = '{\"amount\":1}'")).toThrow(/never changes/);
    expect(() => db.exec('DELETE FROM outbox')).toThrow(/never deleted/);
    db.exec("UPDATE outbox SET status = 'sent', attempts = 1");
    expect(db.prepare('SELECT status FROM outbox').pluck().get()).toBe('sent');
    expect(() => db.exec("UPDATE outbox SET status = 'lost'")).toThrow(/CHECK/);
  });

  it('keeps attempts and reconciliation results append-only', () => {
    const id = db.prepare('SELECT id FROM outbox').pluck().get();
    db.prepare("INSERT INTO outbox_attempts (outbox_id, attempt, started_at, finished_at, outcome) VALUES (?, 1, 'a', 'b', 'sent')").run(id);
    expect(() => db.exec("UPDATE outbox_attempts SET outcome = 'dead'")).toThrow(/append-only/);
    expect(() => db.exec('DELETE FROM outbox_attempts')).toThrow(/append-only/);
  });

  it('rolls back with down()', () => {
    db.transaction(() => migrations[index].down(db))();
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN ('outbox', 'psp_objects', 'psp_events', 'sync_state', 'reconciliation_runs')").get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT id FROM orders').pluck().all()).toEqual(['O1']);
  });
});

describe.skipIf(!postgresInstalled)('0005_outbox_sync on PostgreSQL', () => {
  const database = postgresDatabases('0005_outbox_sync.test');
  const index = migrations.findIndex((m) => m.name === '0005_outbox_sync');

  it('keeps keys unique, calls immutable, kinds well formed, attempts append-only; rolls back with down()', () => {
    const db = database(migrations.slice(0, index));
    db.exec(`INSERT INTO orders (id, channel, created_at, currency, content_hash, imported_at) VALUES ('O1', 'web', '2026-01-01T00:00:00Z', 'EUR', 'h', 'now')`);
    db.transaction(() => migrations[index]!.up(db))();
    const at = FROZEN_NOW.toISOString();
    const insert = (key: string, kind = 'psp.transfer') => db.prepare(`INSERT INTO outbox (kind, target, idempotency_key, entity, payload_json, payload_hash, next_attempt_at, created_at, updated_at)
      VALUES (?, 'psp', ?, 'E1', '{"order":"O1"}', 'h', ?, ?, ?)`).run(kind, key, at, at, at);
    insert('k1');
    expect(() => insert('k1')).toThrow(/duplicate key value violates unique constraint/);
    expect(() => insert('k2', 'PSP.transfer')).toThrow(/check constraint/);
    expect(() => insert('k3', 'psp')).toThrow(/check constraint/);
    expect(() => insert('')).toThrow(/check constraint/);
    expect(() => db.exec(`UPDATE outbox SET payload_json = '{"amount":1}'`)).toThrow('an outbox call never changes once written; cancel it and enqueue another');
    expect(() => db.exec('DELETE FROM outbox')).toThrow('outbox rows are never deleted; cancel them');
    db.exec("UPDATE outbox SET status = 'sent', attempts = 1");
    expect(() => db.exec("UPDATE outbox SET status = 'lost'")).toThrow(/check constraint/);
    const id = db.prepare('SELECT id FROM outbox').pluck().get();
    db.prepare("INSERT INTO outbox_attempts (outbox_id, attempt, started_at, finished_at, outcome) VALUES (?, 1, 'a', 'b', 'sent')").run(id);
    expect(() => db.exec("UPDATE outbox_attempts SET outcome = 'dead'")).toThrow('outbox attempts are append-only');
    // The refunds of an order are found through their index's expression.
    expect(db.prepare("SELECT indexdef FROM pg_indexes WHERE indexname = 'outbox_refund_order'").pluck().get()).toMatch(/payload_json\)::json ->> 'order'.*WHERE \(kind = 'psp.refund'/);
    db.transaction(() => migrations[index]!.down(db))();
    expect(db.prepare("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename IN ('outbox', 'psp_objects', 'psp_events', 'sync_state', 'reconciliation_runs')").pluck().get()).toBe(0);
    expect(db.prepare('SELECT id FROM orders').pluck().all()).toEqual(['O1']);
  });
});
