// Totals per entity, local day and currency, kept with the settlement (migration 0010), so that
// head office's dashboard on the platform entity (a party of every order) reads a few hundred
// rows instead of every order of the period (docs/performance.md, docs/decisions/0010-*.md).
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
import type { Sqlite } from './sqlite.js';

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

/**
 * What one order's settlement rows add to each entity's day (sign −1: what they take away).
 * `legsOf(i)` gives line i's legs (parsed from its `legs_json`, or the tuples it was built from).
 */
export function dayContributions(
  createdAt: string, currency: string, lines: readonly (readonly unknown[])[], legsOf: (i: number) => readonly StoredLegTuple[],
  shares: readonly (readonly unknown[])[], zoneOf: (entity: string) => string, sign: 1 | -1 = 1,
): DayContributions {
  const totals = new Map<string, DayTotal>();
  const legs = new Map<string, DayLegTotal>();
  const total = (e: string) => {
    let t = totals.get(e);
    if (!t) totals.set(e, (t = [e, localDay(createdAt, zoneOf(e)), currency, 0, 0, 0, 0, 0, 0, 0, 0, null]));
    return t;
  };
  const leg = (e: string, group: string) => {
    const k = `${e}\u0000${group}`;
    let t = legs.get(k);
    if (!t) legs.set(k, (t = [e, localDay(createdAt, zoneOf(e)), currency, group, 0, 0, 0, 0, 0, 0]));
    return t;
  };
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const t = total(l[L.owner] as string);
    const gross = l[L.gross] as number;
    t[7] += sign * gross;
    if (!NOT_SOLD.has(l[L.status] as string)) {
      t[3] += sign;
      t[4] += sign * gross;
      t[5] += sign * (l[L.net] as number);
      t[6] += sign * (l[L.reversedGross] as number);
    }
    for (const [group, , , to, , from, , , amount, vat, isVoid, revAmount, revVat] of legsOf(i)) {
      if (isVoid !== null) continue;
      if (to !== null) {
        const g = leg(to, group);
        g[4] += sign * (amount - revAmount);
        g[5] += sign * (vat - revVat);
        g[8] += sign;
      }
      if (from !== null) {
        const g = leg(from, group);
        g[6] += sign * (amount - revAmount);
        g[7] += sign * (vat - revVat);
        g[9] += sign;
      }
    }
  }
  for (const sh of shares) {
    const t = total(sh[S.entity] as string);
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
  zoneOf: (entity: string) => string, sign: 1 | -1): DayContributions {
  return dayContributions(createdAt, currency, lines, (i) => parseLegs(lines[i]![L.legs]), shares, zoneOf, sign);
}

/** Each entity's time zone, for the writers and readers of day totals. */
export function entityZones(db: Sqlite): Map<string, string> {
  return new Map((db.prepare('SELECT id, time_zone FROM entities').raw().all() as [string, string][]));
}

/** Sums contributions in memory and writes them as increments, one statement per key. */
export function dayTotalsAccumulator(db: Sqlite) {
  const totals = new Map<string, DayTotal & { orders?: number }>();
  const orders = new Map<string, number>();
  const legs = new Map<string, DayLegTotal>();
  const putTotal = db.prepare(`INSERT INTO entity_day_totals (entity, day, currency, orders, lines_owned, sales_gross, sales_net, returned_gross, owned_gross,
      payout, fees, unscheduled, last_release_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (entity, day, currency) DO UPDATE SET orders = orders + excluded.orders, lines_owned = lines_owned + excluded.lines_owned,
      sales_gross = sales_gross + excluded.sales_gross, sales_net = sales_net + excluded.sales_net, returned_gross = returned_gross + excluded.returned_gross,
      owned_gross = owned_gross + excluded.owned_gross, payout = payout + excluded.payout, fees = fees + excluded.fees, unscheduled = unscheduled + excluded.unscheduled,
      last_release_at = nullif(max(coalesce(last_release_at, ''), coalesce(excluded.last_release_at, '')), '')`);
  const putLeg = db.prepare(`INSERT INTO entity_day_legs (entity, day, currency, group_name, earned, earned_vat, paid, paid_vat, earn_legs, pay_legs)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (entity, day, currency, group_name) DO UPDATE SET earned = earned + excluded.earned, earned_vat = earned_vat + excluded.earned_vat,
      paid = paid + excluded.paid, paid_vat = paid_vat + excluded.paid_vat, earn_legs = earn_legs + excluded.earn_legs, pay_legs = pay_legs + excluded.pay_legs`);
  // A rule group the entity no longer earns or pays on a day goes, as a rebuild would not write it.
  const dropLeg = db.prepare(`DELETE FROM entity_day_legs WHERE entity = ? AND day = ? AND currency = ? AND group_name = ?
    AND earn_legs = 0 AND pay_legs = 0 AND earned = 0 AND earned_vat = 0 AND paid = 0 AND paid_vat = 0`);
  const keyOf = (t: readonly unknown[], n: number) => (n === 3 ? `${t[0]}\u0000${t[1]}\u0000${t[2]}` : `${t[0]}\u0000${t[1]}\u0000${t[2]}\u0000${t[3]}`);
  return {
    add(c: DayContributions) {
      for (const t of c.totals) {
        const k = keyOf(t, 3);
        const have = totals.get(k);
        if (!have) { totals.set(k, [...t]); continue; }
        for (let i = 3; i <= 10; i++) (have[i] as number) += t[i] as number;
        if (t[11] !== null && (have[11] === null || t[11] > have[11])) have[11] = t[11];
      }
      for (const g of c.legs) {
        const k = keyOf(g, 4);
        const have = legs.get(k);
        if (!have) { legs.set(k, [...g]); continue; }
        for (let i = 4; i <= 9; i++) (have[i] as number) += g[i] as number;
      }
    },
    /** One more order for an entity that just became a party of it. */
    addOrder(entity: string, day: string, currency: string) {
      const k = `${entity}\u0000${day}\u0000${currency}`;
      orders.set(k, (orders.get(k) ?? 0) + 1);
      if (!totals.has(k)) totals.set(k, [entity, day, currency, 0, 0, 0, 0, 0, 0, 0, 0, null]);
    },
    flush() {
      for (const k of [...totals.keys()].sort()) {
        const t = totals.get(k)!;
        putTotal.run(t[0], t[1], t[2], orders.get(k) ?? 0, t[3], t[4], t[5], t[6], t[7], t[8], t[9], t[10], t[11]);
      }
      for (const k of [...legs.keys()].sort()) {
        const g = legs.get(k)!;
        putLeg.run(g);
        if (g[8] < 0 || g[9] < 0) dropLeg.run(g[0], g[1], g[2], g[3]);
      }
      totals.clear();
      orders.clear();
      legs.clear();
    },
  };
}

/**
 * Recomputes the day totals of some entities (all when absent) from the current settlement
 * revisions: after an entity's time zone changes, its days are cut elsewhere.
 */
export function rebuildDayTotals(db: Sqlite, entities?: readonly string[]): void {
  const only = entities ? new Set(entities) : null;
  const zones = entityZones(db);
  const zoneOf = (e: string) => zones.get(e) ?? 'Europe/Paris';
  if (only) {
    const list = JSON.stringify([...only]);
    db.prepare('DELETE FROM entity_day_totals WHERE entity IN (SELECT value FROM json_each(?))').run(list);
    db.prepare('DELETE FROM entity_day_legs WHERE entity IN (SELECT value FROM json_each(?))').run(list);
  } else {
    db.exec('DELETE FROM entity_day_totals; DELETE FROM entity_day_legs;');
  }
  const acc = dayTotalsAccumulator(db);
  const keep = (c: DayContributions): DayContributions => (only ? { totals: c.totals.filter((t) => only.has(t[0])), legs: c.legs.filter((g) => only.has(g[0])) } : c);
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
      acc.add(keep(storedDayContributions(createdAt, currency, linesOf.all(order, revision) as unknown[][], sharesOf.all(order, revision) as unknown[][], zoneOf, 1)));
      for (const e of partiesOf.all(order) as string[]) if (!only || only.has(e)) acc.addOrder(e, localDay(createdAt, zoneOf(e)), currency);
    }
    acc.flush();
    after = page.at(-1)![0];
  }
}
