// Migration 0007 moves legs into their line's row, re-keys order_parties by entity and drops the
// entity index of entity_shares, on a database that already holds settled orders: legs and
// parties survive, and each way in is served by a key or an index rather than a scan.
import { describe, expect, it } from 'vitest';
import { migrations } from '../../../migrations/index.js';
import { migrate } from '../../../core/store/database.js';
import { openSqlite } from '../../../core/store/sqlite.js';
import { FROZEN_NOW } from '../../helpers/db.js';
import { postgresDatabases, postgresInstalled } from '../../helpers/postgres.js';
import type { Db } from '../../../core/store/db.js';

// Order O1 settled before 0007, on both dialects: its parties, then its lines and their legs.
const ORDER_O1 = `INSERT INTO orders (id, channel, created_at, currency, content_hash, imported_at) VALUES ('O1', 'web', '2026-01-01T00:00:00Z', 'EUR', 'h', 'now');
  INSERT INTO order_parties (entity, order_id, created_at) VALUES ('HQ', 'O1', '2026-01-01T00:00:00Z'), ('S1', 'O1', '2026-01-01T00:00:00Z');`;
const LINES_O1 = `INSERT INTO settlement_lines VALUES ('O1', 1, '1', 0, 'delivered', 'ST-1', 'S1', 'S1', NULL, NULL, NULL, 'S1', 1200, 200, 1000, 0, 0, 0, 0, 0, '2026-02-01T00:00:00Z', '[]'),
    ('O1', 1, '2', 1, 'pending', 'ST-1', 'S1', 'S1', NULL, NULL, NULL, 'S1', 0, 0, 0, 0, 0, 0, 0, 0, NULL, '[]');
  INSERT INTO settlement_legs VALUES ('O1', 1, '1', 0, 'royalty', 'ROY@1', 'platform', 'HQ', 'owner', 'S1', 1000, '0.04', 40, 8, NULL, 0, 0),
    ('O1', 1, '1', 1, 'logistics', 'SHIP@2', 'shipper', 'S1', 'owner', 'S1', 1000, '0', 0, 0, 'same_entity', 0, 0);`;
const legsOf = (db: Db) => db.prepare('SELECT * FROM settlement_legs ORDER BY order_id, revision, line_id, seq').raw().all();

describe('0007_settlement_access_paths', () => {
  const db = openSqlite(':memory:');
  db.pragma('foreign_keys = ON');
  const index = migrations.findIndex((m) => m.name === '0007_settlement_access_paths');
  migrate(db, ':memory:', migrations.slice(0, index), () => FROZEN_NOW);
  db.exec(`${ORDER_O1}
    INSERT INTO orders (id, channel, created_at, currency, content_hash, imported_at) VALUES ('O2', 'web', '2026-01-02T00:00:00Z', 'EUR', 'h', 'now');
    INSERT INTO order_parties (entity, order_id, created_at) VALUES ('HQ', 'O2', '2026-01-02T00:00:00Z');
    INSERT INTO settlements (order_id, revision, computed_at, reason, currency, captured, psp_fees, refunded, warnings_json) VALUES ('O1', 1, 'now', 'test', 'EUR', 1200, 0, 0, '[]');
    ${LINES_O1}`);
  const legs = () => legsOf(db);
  const legsBefore = legs();
  const report = migrate(db, ':memory:', migrations.slice(0, index + 1), () => FROZEN_NOW);
  const plan = (sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join('; ');
  const parties = () => db.prepare('SELECT entity, order_id, created_at FROM order_parties ORDER BY order_id, entity').raw().all();
  const before = [['HQ', 'O1', '2026-01-01T00:00:00Z'], ['S1', 'O1', '2026-01-01T00:00:00Z'], ['HQ', 'O2', '2026-01-02T00:00:00Z']];

  it('keeps every party of every order, and every leg, read back through the settlement_legs view', () => {
    expect(report.applied).toEqual(['0007_settlement_access_paths']);
    expect(parties()).toEqual(before);
    expect(legs()).toEqual(legsBefore);
    expect(db.prepare("SELECT line_id, legs_json FROM settlement_lines ORDER BY line_id").raw().all()).toEqual([
      ['1', '[["royalty","ROY@1","platform","HQ","owner","S1",1000,"0.04",40,8,null,0,0],["logistics","SHIP@2","shipper","S1","owner","S1",1000,"0",0,0,"same_entity",0,0]]'],
      ['2', '[]'],
    ]);
    expect(() => db.exec("UPDATE settlement_lines SET gross = 0")).toThrow('append-only');
  });

  it('reaches an entity\'s orders by key and an order\'s parties by index', () => {
    expect(plan("SELECT order_id FROM order_parties WHERE entity = 'HQ' AND created_at >= '2026'")).toMatch(/SEARCH order_parties USING PRIMARY KEY \(entity=\?\)/);
    expect(plan("SELECT entity FROM order_parties WHERE order_id = 'O1'")).toMatch(/USING COVERING INDEX order_parties_order \(order_id=\?\)/);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'entity_shares_entity'").pluck().get()).toBe(0);
    expect(() => db.exec("INSERT INTO order_parties (entity, order_id, created_at) VALUES ('HQ', 'O1', 'x')")).toThrow(/UNIQUE/);
  });

  it('rolls back with down(), the parties and legs kept', () => {
    db.transaction(() => migrations[index]!.down(db))();
    expect(parties()).toEqual(before);
    expect(legs()).toEqual(legsBefore);
    expect(db.prepare("SELECT type FROM sqlite_master WHERE name = 'settlement_legs'").pluck().get()).toBe('table');
    expect(() => db.exec("UPDATE settlement_legs SET amount = 0")).toThrow('append-only');
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name IN ('entity_shares_entity', 'order_parties_entity') ORDER BY name").pluck().all()).toEqual(['entity_shares_entity', 'order_parties_entity']);
  });
});

describe.skipIf(!postgresInstalled)('0007_settlement_access_paths on PostgreSQL', () => {
  const database = postgresDatabases('0007_settlement_access_paths.test');
  const index = migrations.findIndex((m) => m.name === '0007_settlement_access_paths');

  it('keeps every party and leg (the legs read back typed through the view), keys parties by entity, rolls back with down()', () => {
    const db = database(migrations.slice(0, index));
    db.exec(`${ORDER_O1}
      ${LINES_O1}`);
    const legs = () => legsOf(db);
    const legsBefore = legs();
    db.transaction(() => migrations[index]!.up(db))();
    expect(legs()).toEqual(legsBefore);
    // The same arrays as SQLite writes (PostgreSQL's json_agg spaces them: no PostgreSQL database holds legs from before 0007).
    expect((db.prepare("SELECT legs_json FROM settlement_lines ORDER BY line_id").pluck().all() as string[]).map((j) => JSON.parse(j))).toEqual([
      [['royalty', 'ROY@1', 'platform', 'HQ', 'owner', 'S1', 1000, '0.04', 40, 8, null, 0, 0], ['logistics', 'SHIP@2', 'shipper', 'S1', 'owner', 'S1', 1000, '0', 0, 0, 'same_entity', 0, 0]],
      [],
    ]);
    expect(() => db.exec('UPDATE settlement_lines SET gross = 0')).toThrow('settlement lines are append-only');
    expect(() => db.exec("INSERT INTO order_parties (entity, order_id, created_at) VALUES ('HQ', 'O1', 'x')")).toThrow(/duplicate key value violates unique constraint/);
    // (A rebuilt table's constraints keep the names PostgreSQL gave them on the table built: order_parties_new_pkey.)
    expect(db.prepare("SELECT regexp_replace(indexdef, 'INDEX \\w+', 'INDEX') FROM pg_indexes WHERE tablename = 'order_parties' ORDER BY 1").pluck().all()).toEqual([
      'CREATE INDEX ON public.order_parties USING btree (order_id)',
      'CREATE UNIQUE INDEX ON public.order_parties USING btree (entity, order_id)',
    ]);
    db.transaction(() => migrations[index]!.down(db))();
    expect(legs()).toEqual(legsBefore);
    expect(db.prepare("SELECT indexname FROM pg_indexes WHERE indexname IN ('entity_shares_entity', 'order_parties_entity') ORDER BY indexname").pluck().all()).toEqual(['entity_shares_entity', 'order_parties_entity']);
  });
});
