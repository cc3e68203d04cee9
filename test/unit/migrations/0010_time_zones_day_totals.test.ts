// Migration 0010 adds each entity's time zone (Europe/Paris for the entities already there), the
// day totals of the dashboards, filled from the settlements already stored, and the (created_at,
// id) index of order paging. With a network's orders settled in place, the totals it fills are
// the ones the settlement writer keeps; down() puts the schema back.
import { describe, expect, it } from 'vitest';
import { migrations } from '../../../migrations/index.js';
import { migrate, openSqliteDatabase } from '../../../core/store/database.js';
import type { Db } from '../../../core/store/db.js';
import { basicScenario, call, clocked, importInto, ok } from '../../helpers/lifecycle.js';
import { FROZEN_NOW } from '../../helpers/db.js';
import { copyRows, postgresDatabases, postgresInstalled } from '../../helpers/postgres.js';

const NAME = '0010_time_zones_day_totals';
const sqliteDb = () => openSqliteDatabase({ file: ':memory:', now: () => FROZEN_NOW }).db;
const rows = (db: Db, t: string) => db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2, 3, 4`).raw().all();
const indexes = (db: Db) => db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'orders' ORDER BY name").pluck().all();

describe(NAME, () => {
  // Settled orders of the example network, with returns and cancellations, and the totals the writer kept.
  const db = sqliteDb(); // SQLite whatever VENTIL_TEST_DB says: this describe reads sqlite_master
  const { ctx } = clocked(db, '2026-03-20T00:00:00Z');
  importInto(ctx, basicScenario());
  const kept = { totals: rows(db, 'entity_day_totals'), legs: rows(db, 'entity_day_legs') };
  const dashboard = ok(call(ctx, 'dashboard.entity', { entity: 'HQ' }));
  const m = migrations.find((x) => x.name === NAME)!;

  it('rolls back with down(): no zone, no totals, the former index', () => {
    expect(kept.totals.length).toBeGreaterThan(2);
    db.transaction(() => m.down(db))();
    db.prepare('DELETE FROM schema_migrations WHERE name = ?').run(NAME);
    expect(db.prepare("SELECT count(*) FROM pragma_table_info('entities') WHERE name = 'time_zone'").pluck().get()).toBe(0);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name IN ('entity_day_totals', 'entity_day_legs')").pluck().get()).toBe(0);
    expect(indexes(db)).toEqual(['orders_created_at', 'orders_seq', 'sqlite_autoindex_orders_1']); // orders_seq: migration 0015's
  });

  it('applies with the settled orders in place and fills the totals the writer keeps', () => {
    const report = migrate(db, ':memory:', migrations, () => FROZEN_NOW);
    expect(report.applied).toEqual([NAME]);
    expect(db.prepare('SELECT DISTINCT time_zone FROM entities').pluck().all()).toEqual(['Europe/Paris']);
    expect(rows(db, 'entity_day_totals')).toEqual(kept.totals);
    expect(rows(db, 'entity_day_legs')).toEqual(kept.legs);
    expect(ok(call(ctx, 'dashboard.entity', { entity: 'HQ' }))).toEqual(dashboard);
    expect(indexes(db)).toEqual(['orders_created_id', 'orders_seq', 'sqlite_autoindex_orders_1']);
  });
});

describe.skipIf(!postgresInstalled)(`${NAME} on PostgreSQL`, () => {
  const database = postgresDatabases('0010_time_zones_day_totals.test');
  const at = migrations.findIndex((m) => m.name === NAME);

  it('fills, from the same settled orders, the totals SQLite\'s writer keeps (local days by PostgreSQL\'s time zone database)', () => {
    const sqlite = sqliteDb();
    importInto(clocked(sqlite, '2026-03-20T00:00:00Z').ctx, basicScenario());
    const db = database(migrations.slice(0, at));
    copyRows(sqlite, db, ['network_settings', 'entities', 'locations', 'orders', 'settlements', 'settlement_lines', 'entity_shares', 'order_parties']);
    db.transaction(() => migrations[at]!.up(db))();
    expect(db.prepare('SELECT DISTINCT time_zone FROM entities').pluck().all()).toEqual(['Europe/Paris']);
    expect(rows(db, 'entity_day_totals')).toEqual(rows(sqlite, 'entity_day_totals'));
    expect(rows(db, 'entity_day_legs')).toEqual(rows(sqlite, 'entity_day_legs'));
    expect(rows(db, 'entity_day_totals').length).toBeGreaterThan(2);
    db.transaction(() => migrations[at]!.down(db))();
    expect(db.prepare("SELECT indexname FROM pg_indexes WHERE tablename = 'orders' ORDER BY 1").pluck().all()).toEqual(['orders_created_at', 'orders_pkey']);
  });
});
