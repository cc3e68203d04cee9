// Reads of an entity's dashboard: its rows per local day, either the totals kept with the
// settlement (the platform entity, day-totals.ts) or the same rows computed from the entity's own
// orders; and, for the days that still hold shares released after now, those shares exactly.
import { zonedStartOfDayIso, nextDate } from '../domain/time-zone.js';
import { DaySums, keptEntities, localDay, storedDayContributions } from './day-totals.js';
import { all, qb } from './query.js';
import { LINE_COLS, SHARE_COLS } from './settlement-repo.js';
import type { EntityDayLegsTable, EntityDayTotalsTable } from './schema.js';
import type { Db } from './db.js';

/** An entity's local days [from, to), either bound open. */
export interface DayRange { entity: string; zone: string; from?: string; to?: string }

export interface DayRows { totals: EntityDayTotalsTable[]; legs: EntityDayLegsTable[] }

/** The entity's rows per day and currency (and rule group): kept ones, or computed from its orders. */
export function dayRows(db: Db, r: DayRange): DayRows {
  return keptEntities(db).has(r.entity) ? storedDayRows(db, r) : computedDayRows(db, r);
}

function storedDayRows(db: Db, r: DayRange): DayRows {
  let t = qb.selectFrom('entity_day_totals').selectAll().where('entity', '=', r.entity);
  let l = qb.selectFrom('entity_day_legs').selectAll().where('entity', '=', r.entity);
  if (r.from) { t = t.where('day', '>=', r.from); l = l.where('day', '>=', r.from); }
  if (r.to) { t = t.where('day', '<', r.to); l = l.where('day', '<', r.to); }
  return { totals: all(db, t.orderBy('day').orderBy('currency')), legs: all(db, l.orderBy('day').orderBy('currency').orderBy('group_name')) };
}

/** The rows `dayContributions` gives for the entity's current settlement of each of its orders in the range. */
function computedDayRows(db: Db, r: DayRange): DayRows {
  const fromAt = r.from ? zonedStartOfDayIso(r.from, r.zone) : '0000';
  const toAt = r.to ? zonedStartOfDayIso(r.to, r.zone) : '9999';
  const orders = db.prepare(`SELECT p.order_id, p.created_at, s.revision, s.currency FROM order_parties p JOIN settlements s ON s.order_id = p.order_id
    WHERE p.entity = ? AND p.created_at >= ? AND p.created_at < ?`).raw().all(r.entity, fromAt, toAt) as [string, string, number, string][];
  const sums = new DaySums();
  if (orders.length === 0) return sums.rows();
  const ids = JSON.stringify(orders.map((o) => o[0]));
  // The lines it owns or has a leg on (a text search narrows them), and its shares.
  const lines = groupByOrder(db.prepare(`SELECT l.order_id, ${LINE_COLS.split(', ').map((c) => `l.${c}`).join(', ')} FROM settlement_lines l
      JOIN settlements s ON s.order_id = l.order_id AND s.revision = l.revision
    WHERE l.order_id IN (SELECT value FROM json_each(?)) AND (l.owner = ? OR instr(l.legs_json, json_quote(?)) > 0)`).raw().all(ids, r.entity, r.entity) as unknown[][]);
  const shares = groupByOrder(db.prepare(`SELECT x.order_id, ${SHARE_COLS.split(', ').map((c) => `x.${c}`).join(', ')} FROM entity_shares x
      JOIN settlements s ON s.order_id = x.order_id AND s.revision = x.revision
    WHERE x.order_id IN (SELECT value FROM json_each(?)) AND x.entity = ?`).raw().all(ids, r.entity) as unknown[][]);
  const keep = (e: string) => e === r.entity;
  const zoneOf = () => r.zone;
  for (const [order, createdAt, , currency] of orders) {
    sums.add(storedDayContributions(createdAt, currency, lines.get(order) ?? [], shares.get(order) ?? [], zoneOf, keep, 1));
    sums.addOrder(r.entity, localDay(createdAt, r.zone), currency);
  }
  return sums.rows();
}

function groupByOrder(rows: unknown[][]): Map<string, unknown[][]> {
  const out = new Map<string, unknown[][]>();
  for (const row of rows) {
    const order = row[0] as string;
    let list = out.get(order);
    if (!list) out.set(order, (list = []));
    list.push(row.slice(1));
  }
  return out;
}

/**
 * The entity's current shares of the orders it is a party to, created on the local days from
 * `first` to `last` (inclusive), with each order's creation time.
 */
export function sharesCreatedOn(db: Db, entity: string, zone: string, first: string, last: string) {
  return all(db, qb.selectFrom('order_parties as p')
    .innerJoin('settlements as s', 's.order_id', 'p.order_id')
    .innerJoin('entity_shares as x', (j) => j.onRef('x.order_id', '=', 's.order_id').onRef('x.revision', '=', 's.revision').on('x.entity', '=', entity))
    .select(['p.created_at', 'x.currency', 'x.kind', 'x.amount', 'x.release_at'])
    .where('p.entity', '=', entity).where('p.created_at', '>=', zonedStartOfDayIso(first, zone)).where('p.created_at', '<', zonedStartOfDayIso(nextDate(last), zone))
    .orderBy('p.created_at'));
}
