// Migration 0002 adds stored settlements on a database that already holds orders.
import { describe, expect, it } from 'vitest';
import { migrations } from '../../../migrations/index.js';
import { migrate } from '../../../core/store/database.js';
import { openSqlite } from '../../../core/store/sqlite.js';
import { FROZEN_NOW } from '../../helpers/db.js';

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
