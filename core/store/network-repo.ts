// Reads and writes of the network registry: entities, locations, catchments and settings.
import type { Db } from './db.js';
import { all, first, qb, run } from './query.js';
import type { CatchmentsTable, EntitiesTable, LocationsTable } from './schema.js';

export type EntityRow = EntitiesTable;
export type LocationRow = LocationsTable;
export type CatchmentRow = CatchmentsTable;

export const listEntities = (db: Db) => all(db, qb.selectFrom('entities').selectAll().orderBy('id'));
export const getEntity = (db: Db, id: string) => first(db, qb.selectFrom('entities').selectAll().where('id', '=', id));
export const insertEntity = (db: Db, row: EntityRow) => run(db, qb.insertInto('entities').values(row));
export const updateEntity = (db: Db, row: EntityRow) =>
  run(db, qb.updateTable('entities').set(row).where('id', '=', row.id));

export const listLocations = (db: Db) => all(db, qb.selectFrom('locations').selectAll().orderBy('id'));
export const getLocation = (db: Db, id: string) => first(db, qb.selectFrom('locations').selectAll().where('id', '=', id));
export const insertLocation = (db: Db, row: LocationRow) => run(db, qb.insertInto('locations').values(row));
export const updateLocation = (db: Db, row: LocationRow) =>
  run(db, qb.updateTable('locations').set(row).where('id', '=', row.id));

export const listCatchments = (db: Db) =>
  all(db, qb.selectFrom('catchments').selectAll().orderBy('postcode_prefix'));
export const getCatchment = (db: Db, prefix: string) =>
  first(db, qb.selectFrom('catchments').selectAll().where('postcode_prefix', '=', prefix));
export const upsertCatchment = (db: Db, row: CatchmentRow) =>
  run(db, qb.insertInto('catchments').values(row).onConflict((oc) => oc.column('postcode_prefix').doUpdateSet({ location: row.location })));
export const deleteCatchment = (db: Db, prefix: string) =>
  run(db, qb.deleteFrom('catchments').where('postcode_prefix', '=', prefix));

/** Settings as a plain object of parsed JSON values. */
export function readSettings(db: Db): Record<string, unknown> {
  const rows = all(db, qb.selectFrom('network_settings').selectAll().orderBy('key'));
  return Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value)]));
}

export function writeSettings(db: Db, settings: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(settings)) {
    if (value === undefined) continue;
    run(db, qb.insertInto('network_settings').values({ key, value: JSON.stringify(value) })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(value) })));
  }
}

export function countRows(db: Db, table: 'entities' | 'locations' | 'catchments' | 'orders' | 'order_lines' | 'events' | 'rules'): number {
  return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}

/** Orders, lines and events of the orders some entities are party to. */
export function countScopedActivity(db: Db, entities: readonly string[]): { orders: number; lines: number; events: number } {
  return db.prepare(`WITH mine AS (SELECT DISTINCT order_id FROM order_parties WHERE entity IN (SELECT value FROM json_each(?)))
    SELECT (SELECT count(*) FROM mine) AS orders,
      (SELECT count(*) FROM order_lines WHERE order_id IN (SELECT order_id FROM mine)) AS lines,
      (SELECT count(*) FROM events WHERE order_id IN (SELECT order_id FROM mine)) AS events`).get(JSON.stringify(entities)) as { orders: number; lines: number; events: number };
}

/** Ids of every entity. */
export function entityIds(db: Db): string[] {
  return db.prepare('SELECT id FROM entities').pluck().all() as string[];
}

/** The regions some entity belongs to. */
export function regionsInUse(db: Db): string[] {
  return db.prepare('SELECT DISTINCT region FROM entities WHERE region IS NOT NULL').pluck().all() as string[];
}

/** Ids of the entities of these regions. */
export function entitiesInRegions(db: Db, regions: readonly string[]): string[] {
  if (regions.length === 0) return [];
  return db.prepare(`SELECT id FROM entities WHERE region IN (${regions.map(() => '?').join(',')})`).pluck().all(...regions) as string[];
}

/** Ids of every location. */
export function locationIds(db: Db): string[] {
  return db.prepare('SELECT id FROM locations').pluck().all() as string[];
}

/** The demo database carries `demo: true` in its settings. */
export function isDemoNetwork(db: Db): boolean {
  const row = db.prepare("SELECT value FROM network_settings WHERE key = 'demo'").get() as { value: string } | undefined;
  return row?.value === 'true';
}

export function markDemoNetwork(db: Db): void {
  db.prepare("INSERT INTO network_settings (key, value) VALUES ('demo', 'true')").run();
}

/** The first franchisee (by id) that belongs to a region: the demo's store. */
export function firstRegionalFranchisee(db: Db): { id: string; region: string } | undefined {
  return db.prepare("SELECT id, region FROM entities WHERE kind = 'franchisee' AND region IS NOT NULL ORDER BY id LIMIT 1").get() as { id: string; region: string } | undefined;
}
