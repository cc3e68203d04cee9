// Totals per entity, local day and currency, kept with the settlement (migration 0010), so that
// head office's dashboard on the platform entity (a party of every order) reads a few hundred
// rows instead of every order of the period (docs/performance.md, docs/decisions/0010-*.md).
// They are kept for the platform entity: any other entity is a party of few enough orders that
// its dashboard computes the same rows from its orders (`computeDayRows`), while keeping them for
// every entity cost a quarter of the settlement's writing time (each batch then touches rows all
// over the tables).
//
// A day is the local date, in the entity's time zone, on which the order was created. Each
// settled revision adds what it holds for every entity (its owned lines, the legs it earns or
// pays, its shares); a new revision of the same order subtracts the previous one's, so the
// totals always describe the current revisions. `orders` counts the entity's orders (it is
// counted when the entity first becomes a party, as `order_parties` keeps former parties).
//
// What depends on the clock (escrow held or released now, upcoming releases) cannot be kept as
// a total: `last_release_at`, the latest release time of a day's line shares, tells the
// dashboard which days still hold shares to be released after now; it reads those days' shares
// exactly and takes every other day from the totals.
import { zonedDate } from '../domain/time-zone.js';
import { LINE_COLS, SHARE_COLS, type StoredLegTuple } from './settlement-repo.js';
import type { EntityDayLegsTable, EntityDayTotalsTable } from './schema.js';
import { bulkInsert } from './bulk-insert.js';
import type { Db } from './db.js';

/** [entity, day, currency, lines_owned, sales_gross, sales_net, returned_gross, owned_gross, payout, fees, unscheduled, last_release_at] */
export type DayTotal = [string, string, string, number, number, number, number, number, number, number, number, string | null];
/** [entity, day, currency, group, earned, earned_vat, paid, paid_vat, earn_legs, pay_legs] */
export type DayLegTotal = [string, string, string, string, number, number, number, number, number, number];

export interface DayContributions { totals: DayTotal[]; legs: DayLegTotal[] }

// Positions in a stored settlement line row (settlement-repo.ts LINE_COLS) and share row (SHARE_COLS).
const L = { status: 2, owner: 4, gross: 10, net: 12, reversedGross: 16, legs: 20 } as const;
const S = { entity: 1, kind: 2, amount: 3, releaseAt: 5 } as const;
const NOT_SOLD = new Set(['pending', 'accepted', 'cancelled']);

/** Local dates of instants per zone, cached: a run sees each creation time once per party. */
const dayCache = new Map<string, string>();
export function localDay(at: string, zone: string): string {
  const key = `${zone}|${at}`;
  let d = dayCache.get(key);
  if (d === undefined) {
    if (dayCache.size > 200_000) dayCache.clear();
    dayCache.set(key, (d = zonedDate(Date.parse(at), zone)));
  }
  return d;
}

// Functions of the module rather than closures per order (dayContributions runs for each): none
// to allocate per order, nor, when compiled with esbuild's keepNames as tsx does, a defineProperty
// each (docs/performance.md, fifth and sixth sessions of 2026-12-04).

/** An entity's total of the order's day, added at zero when new. */
function entityTotal(totals: Map<string, DayTotal>, e: string, createdAt: string, currency: string, zoneOf: (entity: string) => string): DayTotal {
  let t = totals.get(e);
  if (!t) totals.set(e, (t = [e, localDay(createdAt, zoneOf(e)), currency, 0, 0, 0, 0, 0, 0, 0, 0, null]));
  return t;
}

/** An entity's total of a rule group's legs on the order's day, added at zero when new. */
function groupTotal(legs: Map<string, DayLegTotal>, e: string, group: string, createdAt: string, currency: string, zoneOf: (entity: string) => string): DayLegTotal {
  const k = `${e}\u0000${group}`;
  let t = legs.get(k);
  if (!t) legs.set(k, (t = [e, localDay(createdAt, zoneOf(e)), currency, group, 0, 0, 0, 0, 0, 0]));
  return t;
}

/**
 * What one order's settlement rows add to each entity's day (sign −1: what they take away).
 * `legsOf(i)` gives line i's legs (parsed from its `legs_json`, or the tuples it was built from).
 */
export function dayContributions(
  createdAt: string, currency: string, lines: readonly (readonly unknown[])[], legsOf: (i: number) => readonly StoredLegTuple[],
  shares: readonly (readonly unknown[])[], zoneOf: (entity: string) => string, keep: (entity: string) => boolean, sign: 1 | -1 = 1,
): DayContributions {
  const totals = new Map<string, DayTotal>();
  const legs = new Map<string, DayLegTotal>();
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const owner = l[L.owner] as string;
    if (keep(owner)) {
      const t = entityTotal(totals, owner, createdAt, currency, zoneOf);
      const gross = l[L.gross] as number;
      t[7] += sign * gross;
      if (!NOT_SOLD.has(l[L.status] as string)) {
        t[3] += sign;
        t[4] += sign * gross;
        t[5] += sign * (l[L.net] as number);
        t[6] += sign * (l[L.reversedGross] as number);
      }
    }
    for (const [group, , , to, , from, , , amount, vat, isVoid, revAmount, revVat] of legsOf(i)) {
      if (isVoid !== null) continue;
      if (to !== null && keep(to)) {
        const g = groupTotal(legs, to, group, createdAt, currency, zoneOf);
        g[4] += sign * (amount - revAmount);
        g[5] += sign * (vat - revVat);
        g[8] += sign;
      }
      if (from !== null && keep(from)) {
        const g = groupTotal(legs, from, group, createdAt, currency, zoneOf);
        g[6] += sign * (amount - revAmount);
        g[7] += sign * (vat - revVat);
        g[9] += sign;
      }
    }
  }
  for (const sh of shares) {
    if (!keep(sh[S.entity] as string)) continue;
    const t = entityTotal(totals, sh[S.entity] as string, createdAt, currency, zoneOf);
    const amount = sign * (sh[S.amount] as number);
    t[8] += amount;
    if (sh[S.kind] === 'fee') t[9] += amount;
    else {
      const at = sh[S.releaseAt] as string | null;
      if (at === null) t[10] += amount;
      else if (sign > 0 && (t[11] === null || at > t[11])) t[11] = at;
    }
  }
  return { totals: [...totals.values()], legs: [...legs.values()] };
}

const parseLegs = (json: unknown) => JSON.parse(json as string) as StoredLegTuple[];

/** `dayContributions` of stored rows, whose legs are JSON in each line row. */
export function storedDayContributions(createdAt: string, currency: string, lines: readonly (readonly unknown[])[], shares: readonly (readonly unknown[])[],
  zoneOf: (entity: string) => string, keep: (entity: string) => boolean, sign: 1 | -1): DayContributions {
  return dayContributions(createdAt, currency, lines, (i) => parseLegs(lines[i]![L.legs]), shares, zoneOf, keep, sign);
}

/** Each entity's time zone, for the writers and readers of day totals. */
export function entityZones(db: Db): Map<string, string> {
  return new Map((db.prepare('SELECT id, time_zone FROM entities').raw().all() as [string, string][]));
}

/** The entities whose day totals are kept: the platform entity (a party of every order). */
export function keptEntities(db: Db): Set<string> {
  const row = db.prepare("SELECT value FROM network_settings WHERE key = 'platform_entity'").pluck().get() as string | undefined;
  return new Set(row ? [JSON.parse(row) as string] : []);
}

/** Contributions summed in memory per entity, day and currency (and rule group), with each key's order count. */
export class DaySums {
  readonly totals = new Map<string, DayTotal>();
  readonly orders = new Map<string, number>();
  readonly legs = new Map<string, DayLegTotal>();

  add(c: DayContributions): void {
    for (const t of c.totals) {
      const k = `${t[0]}\u0000${t[1]}\u0000${t[2]}`;
      const have = this.totals.get(k);
      if (!have) { this.totals.set(k, [...t]); continue; }
      for (let i = 3; i <= 10; i++) (have[i] as number) += t[i] as number;
      if (t[11] !== null && (have[11] === null || t[11] > have[11])) have[11] = t[11];
    }
    for (const g of c.legs) {
      const k = `${g[0]}\u0000${g[1]}\u0000${g[2]}\u0000${g[3]}`;
      const have = this.legs.get(k);
      if (!have) { this.legs.set(k, [...g]); continue; }
      for (let i = 4; i <= 9; i++) (have[i] as number) += g[i] as number;
    }
  }

  /** One more order for an entity that became a party of it. */
  addOrder(entity: string, day: string, currency: string): void {
    const k = `${entity}\u0000${day}\u0000${currency}`;
    this.orders.set(k, (this.orders.get(k) ?? 0) + 1);
    if (!this.totals.has(k)) this.totals.set(k, [entity, day, currency, 0, 0, 0, 0, 0, 0, 0, 0, null]);
  }

  /** The sums as rows of `entity_day_totals` and `entity_day_legs`, in key order. */
  rows(): { totals: EntityDayTotalsTable[]; legs: EntityDayLegsTable[] } {
    const totals = [...this.totals.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, t]) => ({
      entity: t[0], day: t[1], currency: t[2], orders: this.orders.get(k) ?? 0, lines_owned: t[3], sales_gross: t[4], sales_net: t[5], returned_gross: t[6],
      owned_gross: t[7], payout: t[8], fees: t[9], unscheduled: t[10], last_release_at: t[11],
    }));
    const legs = [...this.legs.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, g]) => ({
      entity: g[0], day: g[1], currency: g[2], group_name: g[3], earned: g[4], earned_vat: g[5], paid: g[6], paid_vat: g[7], earn_legs: g[8], pay_legs: g[9],
    }));
    return { totals, legs };
  }

  clear(): void {
    this.totals.clear();
    this.orders.clear();
    this.legs.clear();
  }
}

const TOTAL_COLS = ['entity', 'day', 'currency', 'orders', 'lines_owned', 'sales_gross', 'sales_net', 'returned_gross', 'owned_gross',
  'payout', 'fees', 'unscheduled', 'last_release_at'] as const;
const LEG_COLS = ['entity', 'day', 'currency', 'group_name', 'earned', 'earned_vat', 'paid', 'paid_vat', 'earn_legs', 'pay_legs'] as const;

/**
 * Sums contributions in memory and writes them as increments: one statement per key on SQLite,
 * unnest chunks on PostgreSQL, where a statement per key is a round trip (core/store/bulk-insert.ts).
 */
export function dayTotalsAccumulator(db: Db) {
  const sums = new DaySums();
  const putTotal = bulkInsert(db, `INSERT INTO entity_day_totals (${TOTAL_COLS.join(', ')}) VALUES`, TOTAL_COLS.length, { sqliteRows: 1, accumulate: {
    key: ['entity', 'day', 'currency'], add: ['orders', 'lines_owned', 'sales_gross', 'sales_net', 'returned_gross', 'owned_gross', 'payout', 'fees', 'unscheduled'],
    max: ['last_release_at'] } });
  const putLeg = bulkInsert(db, `INSERT INTO entity_day_legs (${LEG_COLS.join(', ')}) VALUES`, LEG_COLS.length, { sqliteRows: 1, accumulate: {
    key: ['entity', 'day', 'currency', 'group_name'], add: ['earned', 'earned_vat', 'paid', 'paid_vat', 'earn_legs', 'pay_legs'] } });
  // A rule group the entity no longer earns or pays on a day goes, as a rebuild would not write it.
  const dropLeg = db.prepare(`DELETE FROM entity_day_legs WHERE entity = @entity AND day = @day AND currency = @currency AND group_name = @group_name
    AND earn_legs = 0 AND pay_legs = 0 AND earned = 0 AND earned_vat = 0 AND paid = 0 AND paid_vat = 0`);
  return {
    add: (c: DayContributions) => sums.add(c),
    addOrder: (entity: string, day: string, currency: string) => sums.addOrder(entity, day, currency),
    flush() {
      const { totals, legs } = sums.rows();
      for (const t of totals) putTotal.add(TOTAL_COLS.map((c) => t[c]));
      putTotal.flush();
      for (const g of legs) putLeg.add(LEG_COLS.map((c) => g[c]));
      putLeg.flush();
      // Keys are distinct, so dropping after all the upserts is dropping after each.
      for (const g of legs) if (g.earn_legs < 0 || g.pay_legs < 0) dropLeg.run({ entity: g.entity, day: g.day, currency: g.currency, group_name: g.group_name });
      sums.clear();
    },
  };
}

/**
 * Recomputes the day totals from the current settlement revisions (all kept entities, or some):
 * after an entity's time zone changes its days are cut elsewhere; after the platform entity
 * changes, another entity's totals are kept.
 */
export function rebuildDayTotals(db: Db, entities?: readonly string[]): void {
  const kept = keptEntities(db);
  const only = entities ? new Set(entities.filter((e) => kept.has(e))) : kept;
  const zones = entityZones(db);
  const zoneOf = (e: string) => zones.get(e) ?? 'Europe/Paris';
  const list = JSON.stringify(entities ?? []);
  if (entities) {
    db.prepare('DELETE FROM entity_day_totals WHERE entity IN (SELECT value FROM json_each(?))').run(list);
    db.prepare('DELETE FROM entity_day_legs WHERE entity IN (SELECT value FROM json_each(?))').run(list);
  } else {
    db.exec('DELETE FROM entity_day_totals; DELETE FROM entity_day_legs;');
  }
  if (only.size === 0) return;
  const acc = dayTotalsAccumulator(db);
  const keep = (e: string) => only.has(e);
  // Orders in pages of 2,000 (by id): a statement cannot write while another iterates.
  const heads = db.prepare(`SELECT s.order_id, s.revision, s.currency, o.created_at FROM settlements s JOIN orders o ON o.id = s.order_id
    WHERE s.order_id > ? ORDER BY s.order_id LIMIT 2000`).raw();
  const linesOf = db.prepare(`SELECT ${LINE_COLS} FROM settlement_lines WHERE order_id = ? AND revision = ? ORDER BY seq`).raw();
  const sharesOf = db.prepare(`SELECT ${SHARE_COLS} FROM entity_shares WHERE order_id = ? AND revision = ?`).raw();
  const partiesOf = db.prepare('SELECT entity FROM order_parties WHERE order_id = ?').pluck();
  let after = '';
  for (;;) {
    const page = heads.all(after) as [string, number, string, string][];
    if (page.length === 0) break;
    for (const [order, revision, currency, createdAt] of page) {
      acc.add(storedDayContributions(createdAt, currency, linesOf.all(order, revision) as unknown[][], sharesOf.all(order, revision) as unknown[][], zoneOf, keep, 1));
      for (const e of partiesOf.all(order) as string[]) if (keep(e)) acc.addOrder(e, localDay(createdAt, zoneOf(e)), currency);
    }
    acc.flush();
    after = page.at(-1)![0];
  }
}
