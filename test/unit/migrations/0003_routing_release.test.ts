// Migration 0003 adds routing offers and release runs on a database that already holds orders,
// settlements and outbox rows (it may run after later-numbered migrations: it only adds tables;
// 0015 numbers the rows of its transfers table, so it comes after it).
import { describe, expect, it } from 'vitest';
import { migrations } from '../../../migrations/index.js';
import { migrate } from '../../../core/store/database.js';
import { openSqlite } from '../../../core/store/sqlite.js';
import { FROZEN_NOW } from '../../helpers/db.js';
import { postgresDatabases, postgresInstalled } from '../../helpers/postgres.js';

describe('0003_routing_release', () => {
  const db = openSqlite(':memory:');
  db.pragma('foreign_keys = ON');
  const later = ['0003_routing_release', '0015_insertion_order'];
  const without = migrations.filter((m) => !later.includes(m.name));
  migrate(db, ':memory:', without, () => FROZEN_NOW);
  db.exec(`INSERT INTO entities (id, name, kind, siren) VALUES ('HQ', 'HQ', 'franchisor', '552100554');
    INSERT INTO locations (id, entity, operator, kind, ship, collect) VALUES ('ST-1', 'HQ', 'HQ', 'store', 1, 1);
    INSERT INTO orders (id, channel, created_at, currency, content_hash, imported_at) VALUES ('O1', 'web', '2026-01-01T00:00:00Z', 'EUR', 'h', 'now');
    INSERT INTO order_lines (order_id, line_id, seq, kind, quantity, unit_price, vat_rate, delivery_mode, candidates_json) VALUES ('O1', '1', 0, 'goods', 1, 100, '0.20', 'ship_from_store', '["ST-1"]');`);
  const report = migrate(db, ':memory:', migrations, () => FROZEN_NOW);

  it('applies with the orders in place', () => {
    expect(report.applied).toEqual(later);
    expect(db.prepare('SELECT id FROM orders').pluck().all()).toEqual(['O1']);
  });

  it('lets an offer close once, and keeps history, transfers and their items append-only', () => {
    db.exec(`INSERT INTO routing_offers (order_id, line_id, location, entity, operator, offered_at, deadline_at) VALUES ('O1', '1', 'ST-1', 'HQ', 'HQ', 'a', 'b')`);
    expect(() => db.exec(`INSERT INTO routing_offers (order_id, line_id, location, entity, operator, offered_at, deadline_at) VALUES ('O1', '1', 'ST-1', 'HQ', 'HQ', 'a', 'b')`)).toThrow(/UNIQUE/);
    expect(() => db.exec("UPDATE routing_offers SET deadline_at = 'c'")).toThrow(/only changes once/);
    db.exec("UPDATE routing_offers SET status = 'accepted', closed_at = 'c'");
    expect(() => db.exec("UPDATE routing_offers SET status = 'refused'")).toThrow(/only changes once/);
    db.exec(`INSERT INTO routing_history (order_id, line_id, action, at, actor, source, recorded_at) VALUES ('O1', '1', 'offered', 'a', 'x', 'routing', 'a')`);
    expect(() => db.exec('DELETE FROM routing_history')).toThrow(/append-only/);
    db.exec(`INSERT INTO release_runs (id, as_of, created_at, recovery, transfer_count, content_hash, actor) VALUES ('r1', 'a', 'b', 'net', 1, 'h', 'x');
      INSERT INTO transfers (id, run_id, entity, currency, amount, kind, idempotency_key, status, created_at) VALUES ('t1', 'r1', 'HQ', 'EUR', 100, 'withdrawal', 'k1', 'queued', 'b');
      INSERT INTO transfer_items (transfer_id, order_id, line_id, amount) VALUES ('t1', 'O1', '1', 100);`);
    expect(() => db.exec("UPDATE transfers SET amount = 1")).toThrow(/never changes/);
    db.exec("UPDATE transfers SET status = 'sent'");
    expect(() => db.exec("UPDATE transfer_items SET amount = 1")).toThrow(/append-only/);
    expect(() => db.exec(`INSERT INTO transfers (id, run_id, entity, currency, amount, kind, idempotency_key, status, created_at) VALUES ('t2', 'r1', 'HQ', 'EUR', 100, 'reversal', 'k2', 'queued', 'b')`)).toThrow(/CHECK/);
  });

  it('rolls back with down()', () => {
    db.transaction(() => migrations.find((m) => m.name === '0003_routing_release')!.down(db))();
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN ('routing_offers', 'routing_history', 'routing_state', 'release_runs', 'transfers', 'transfer_items')").get()).toEqual({ n: 0 });
  });
});

describe.skipIf(!postgresInstalled)('0003_routing_release on PostgreSQL', () => {
  const database = postgresDatabases('0003_routing_release.test');

  // A PostgreSQL database is always migrated in list order (none predates the list's present order),
  // and PostgreSQL refuses a reference to a table not created yet, which SQLite accepts.
  it('applies with the orders in place; offers close once; history, transfers and items append-only; down()', () => {
    const at = migrations.findIndex((x) => x.name === '0003_routing_release');
    const m = migrations[at]!;
    const db = database(migrations.slice(0, at));
    db.exec(`INSERT INTO entities (id, name, kind, siren) VALUES ('HQ', 'HQ', 'franchisor', '552100554');
      INSERT INTO locations (id, entity, operator, kind, ship, collect) VALUES ('ST-1', 'HQ', 'HQ', 'store', 1, 1);
      INSERT INTO orders (id, channel, created_at, currency, content_hash, imported_at) VALUES ('O1', 'web', '2026-01-01T00:00:00Z', 'EUR', 'h', 'now');
      INSERT INTO order_lines (order_id, line_id, seq, kind, quantity, unit_price, vat_rate, delivery_mode, candidates_json) VALUES ('O1', '1', 0, 'goods', 1, 100, '0.20', 'ship_from_store', '["ST-1"]');`);
    db.transaction(() => m.up(db))();
    const offer = `INSERT INTO routing_offers (order_id, line_id, location, entity, operator, offered_at, deadline_at) VALUES ('O1', '1', 'ST-1', 'HQ', 'HQ', 'a', 'b')`;
    db.exec(offer);
    expect(() => db.exec(offer)).toThrow(/duplicate key value violates unique constraint "routing_offers_one_open"/);
    expect(() => db.exec("UPDATE routing_offers SET deadline_at = 'c'")).toThrow('a routing offer only changes once, when it closes');
    db.exec("UPDATE routing_offers SET status = 'accepted', closed_at = 'c'");
    expect(() => db.exec("UPDATE routing_offers SET status = 'refused'")).toThrow(/only changes once/);
    db.exec(`INSERT INTO routing_history (order_id, line_id, action, at, actor, source, recorded_at) VALUES ('O1', '1', 'offered', 'a', 'x', 'routing', 'a')`);
    expect(() => db.exec('DELETE FROM routing_history')).toThrow('routing history is append-only');
    db.exec(`INSERT INTO release_runs (id, as_of, created_at, recovery, transfer_count, content_hash, actor) VALUES ('r1', 'a', 'b', 'net', 1, 'h', 'x');
      INSERT INTO transfers (id, run_id, entity, currency, amount, kind, idempotency_key, status, created_at) VALUES ('t1', 'r1', 'HQ', 'EUR', 100, 'withdrawal', 'k1', 'queued', 'b');
      INSERT INTO transfer_items (transfer_id, order_id, line_id, amount) VALUES ('t1', 'O1', '1', 100);`);
    expect(() => db.exec('UPDATE transfers SET amount = 1')).toThrow(/never changes/);
    db.exec("UPDATE transfers SET status = 'sent'");
    expect(() => db.exec('UPDATE transfer_items SET amount = 1')).toThrow('transfer items are append-only');
    expect(() => db.exec(`INSERT INTO transfers (id, run_id, entity, currency, amount, kind, idempotency_key, status, created_at) VALUES ('t2', 'r1', 'HQ', 'EUR', 100, 'reversal', 'k2', 'queued', 'b')`)).toThrow(/check constraint/);
    db.transaction(() => m.down(db))();
    expect(db.prepare("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename IN ('routing_offers', 'routing_history', 'routing_state', 'release_runs', 'transfers', 'transfer_items')").pluck().get()).toBe(0);
  });
});
