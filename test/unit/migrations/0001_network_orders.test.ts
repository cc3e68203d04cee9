// Migration 0001 creates the network, rules, orders and append-only events.
import { describe, expect, it } from 'vitest';
import { migrations } from '../../../migrations/index.js';
import { openDatabase } from '../../../core/store/database.js';
import { FROZEN_NOW } from '../../helpers/db.js';
import { postgresDatabases, postgresInstalled } from '../../helpers/postgres.js';

describe('0001_network_orders', () => {
  const { db } = openDatabase({ file: ':memory:', now: () => FROZEN_NOW, migrations: migrations.slice(0, 1) });

  it('keeps events append-only', () => {
    db.exec(`INSERT INTO entities (id, name, kind, siren) VALUES ('HQ', 'Siège', 'franchisor', '552100554');
      INSERT INTO orders (id, channel, created_at, currency, content_hash, imported_at) VALUES ('O1', 'web', '2026-01-01T00:00:00Z', 'EUR', 'h', 'now');
      INSERT INTO events (event_key, order_id, line_id, type, at, payload_json, received_at) VALUES ('k1', 'O1', '1', 'line_shipped', '2026-01-02T00:00:00Z', '{}', 'now');`);
    expect(() => db.exec("UPDATE events SET type = 'line_cancelled'")).toThrow('append-only');
    expect(() => db.exec('DELETE FROM events')).toThrow('append-only');
  });

  it('enforces references and money as integers', () => {
    expect(() => db.exec("INSERT INTO locations (id, entity, operator, kind, ship, collect) VALUES ('L', 'NOPE', 'NOPE', 'store', 1, 1)")).toThrow(/FOREIGN KEY/);
    expect(() => db.exec("INSERT INTO payments (order_id, payment_id, seq, amount, captured_at) VALUES ('O1', 'P', 0, 12.5, 'x')")).toThrow(/cannot store REAL/);
  });

  it('rolls back with down()', () => {
    db.transaction(() => migrations[0]!.down(db))();
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'orders'").get()).toEqual({ n: 0 });
  });
});

describe.skipIf(!postgresInstalled)('0001_network_orders on PostgreSQL', () => {
  const database = postgresDatabases('0001_network_orders.test');

  it('keeps events append-only, references and money as integers, and rolls back with down()', () => {
    const db = database(migrations.slice(0, 1));
    db.exec(`INSERT INTO entities (id, name, kind, siren) VALUES ('HQ', 'Siège', 'franchisor', '552100554');
      INSERT INTO orders (id, channel, created_at, currency, content_hash, imported_at) VALUES ('O1', 'web', '2026-01-01T00:00:00Z', 'EUR', 'h', 'now');
      INSERT INTO events (event_key, order_id, line_id, type, at, payload_json, received_at) VALUES ('k1', 'O1', '1', 'line_shipped', '2026-01-02T00:00:00Z', '{}', 'now');`);
    expect(() => db.exec("UPDATE events SET type = 'line_cancelled'")).toThrow('events are append-only');
    expect(() => db.exec('DELETE FROM events')).toThrow('events are append-only');
    expect(() => db.exec("INSERT INTO locations (id, entity, operator, kind, ship, collect) VALUES ('L', 'NOPE', 'NOPE', 'store', 1, 1)")).toThrow(/foreign key constraint/);
    expect(() => db.prepare("INSERT INTO payments (order_id, payment_id, seq, amount, captured_at) VALUES ('O1', 'P', 0, ?, 'x')").run(12.5)).toThrow(/invalid input syntax for type bigint/);
    // The identity numbers events the store does not number itself.
    db.exec("INSERT INTO events (event_key, order_id, line_id, type, at, payload_json, received_at) VALUES ('k2', 'O1', '1', 'line_shipped', 'a', '{}', 'now')");
    expect(db.prepare('SELECT seq FROM events ORDER BY seq').pluck().all()).toEqual([1, 2]);
    db.transaction(() => migrations[0]!.down(db))();
    expect(db.prepare("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = 'orders'").pluck().get()).toBe(0);
  });
});
