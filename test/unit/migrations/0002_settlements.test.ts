// Migration 0002 adds stored settlements on a database that already holds orders.
import { describe, expect, it } from 'vitest';
import { migrations } from '../../../migrations/index.js';
import { migrate } from '../../../core/store/database.js';
import { openSqlite } from '../../../core/store/sqlite.js';
import { FROZEN_NOW } from '../../helpers/db.js';
import { postgresDatabases, postgresInstalled } from '../../helpers/postgres.js';

describe('0002_settlements', () => {
  const db = openSqlite(':memory:');
  db.pragma('foreign_keys = ON');
  const upTo = (name: string) => migrations.slice(0, migrations.findIndex((m) => m.name === name) + 1);
  migrate(db, ':memory:', upTo('0001_network_orders'), () => FROZEN_NOW);
  db.exec(`INSERT INTO orders (id, channel, created_at, currency, content_hash, imported_at) VALUES ('O1', 'web', '2026-01-01T00:00:00Z', 'EUR', 'h', 'now')`);
  const report = migrate(db, ':memory:', upTo('0002_settlements'), () => FROZEN_NOW);

  it('applies on top of 0001 with the orders in place', () => {
    expect(report.applied).toEqual(['0002_settlements']);
    expect(db.prepare('SELECT id FROM orders').pluck().all()).toEqual(['O1']);
  });

  it('keeps settlement rows append-only', () => {
    db.exec(`INSERT INTO settlements (order_id, revision, computed_at, reason, currency, captured, psp_fees, refunded, warnings_json) VALUES ('O1', 1, 'now', 'test', 'EUR', 100, 2, 0, '[]');
      INSERT INTO entity_shares (order_id, revision, line_id, entity, kind, amount, currency, release_at) VALUES ('O1', 1, '1', 'HQ', 'line', 98, 'EUR', NULL);`);
    expect(() => db.exec("UPDATE entity_shares SET amount = 0")).toThrow('append-only');
    expect(() => db.exec("INSERT INTO settlements (order_id, revision, computed_at, reason, currency, captured, psp_fees, refunded, warnings_json) VALUES ('NOPE', 1, 'now', 'test', 'EUR', 1, 0, 0, '[]')")).toThrow(/FOREIGN KEY/);
  });

  it('rolls back with down()', () => {
    db.transaction(() => migrations.find((m) => m.name === '0002_settlements')!.down(db))();
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name LIKE 'settlement%'").get()).toEqual({ n: 0 });
  });
});

describe.skipIf(!postgresInstalled)('0002_settlements on PostgreSQL', () => {
  const database = postgresDatabases('0002_settlements.test');
  const upTo = (name: string) => migrations.slice(0, migrations.findIndex((m) => m.name === name) + 1);

  it('applies on top of 0001 with the orders in place, keeps settlement rows append-only, rolls back with down()', () => {
    const db = database(upTo('0001_network_orders'));
    db.exec(`INSERT INTO orders (id, channel, created_at, currency, content_hash, imported_at) VALUES ('O1', 'web', '2026-01-01T00:00:00Z', 'EUR', 'h', 'now')`);
    const m = migrations.find((x) => x.name === '0002_settlements')!;
    db.transaction(() => m.up(db))();
    expect(db.prepare('SELECT id FROM orders').pluck().all()).toEqual(['O1']);
    db.exec(`INSERT INTO settlements (order_id, revision, computed_at, reason, currency, captured, psp_fees, refunded, warnings_json) VALUES ('O1', 1, 'now', 'test', 'EUR', 100, 2, 0, '[]');
      INSERT INTO entity_shares (order_id, revision, line_id, entity, kind, amount, currency, release_at) VALUES ('O1', 1, '1', 'HQ', 'line', 98, 'EUR', NULL);`);
    expect(() => db.exec('UPDATE entity_shares SET amount = 0')).toThrow('entity shares are append-only');
    expect(() => db.exec("INSERT INTO settlements (order_id, revision, computed_at, reason, currency, captured, psp_fees, refunded, warnings_json) VALUES ('NOPE', 1, 'now', 'test', 'EUR', 1, 0, 0, '[]')")).toThrow(/foreign key constraint/);
    db.transaction(() => m.down(db))();
    expect(db.prepare("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'settlement%'").pluck().get()).toBe(0);
  });
});
