// The dashboard reads rows per entity and local day: for the platform entity, totals kept with the
// settlement; for the others, the same rows computed from their orders. On generated histories
// (returns, cancellations, a second import of later events that re-settles orders), the totals
// kept step by step equal totals rebuilt from scratch, and the dashboard equals the figures
// computed order by order from the current settlement rows, for the platform and three stores,
// several periods and moments (shares still held, released, or scheduled after now). The cards
// add up: the payout's parts (owned lines net of returns, legs received and paid VAT included,
// PSP fees) computed here from the lines and legs sum to the payout the shares give, exactly.
import { describe, expect, it } from 'vitest';
import { generateScenario } from '../../core/demo/generate.js';
import { zonedDate } from '../../core/domain/time-zone.js';
import { rebuildDayTotals } from '../../core/store/day-totals.js';
import type { StoredLegTuple } from '../../core/store/settlement-repo.js';
import type { Db } from '../../core/store/db.js';
import { call, clocked, freshDb, importInto, ok, type Json } from '../helpers/lifecycle.js';

const table = (db: Db, t: string) => db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2, 3, 4`).raw().all();

/** The dashboard's figures computed order by order from the current rows (the definition). */
function oracle(db: Db, entity: string, now: string, from?: string, to?: string) {
  const zone = db.prepare('SELECT time_zone FROM entities WHERE id = ?').pluck().get(entity) as string;
  const orders = (db.prepare(`SELECT p.order_id, p.created_at, s.revision, s.currency FROM order_parties p JOIN settlements s ON s.order_id = p.order_id
    WHERE p.entity = ?`).all(entity) as { order_id: string; created_at: string; revision: number; currency: string }[])
    .filter((o) => { const d = zonedDate(Date.parse(o.created_at), zone); return (!from || d >= from) && (!to || d < to); });
  const blocks = new Map<string, Json>();
  const block = (c: string) => blocks.get(c) ?? blocks.set(c, { currency: c, orders: 0, lines_owned: 0, sales_gross: 0, sales_net: 0, returned_gross: 0, fees: 0, payout: 0, released: 0, owned: 0, unshipped: 0, earnedTtc: 0, paidTtc: 0, groups: new Map() }).get(c)!;
  for (const o of orders) {
    const b = block(o.currency);
    b.orders++;
    for (const l of db.prepare('SELECT * FROM settlement_lines WHERE order_id = ? AND revision = ?').all(o.order_id, o.revision) as Json[]) {
      if (l.owner === entity) b.owned += l.gross - l.reversed_gross;
      if (l.owner === entity && ['pending', 'accepted'].includes(l.status)) b.unshipped += l.gross - l.reversed_gross;
      if (l.owner === entity && !['pending', 'accepted', 'cancelled'].includes(l.status)) {
        b.lines_owned++; b.sales_gross += l.gross; b.sales_net += l.net; b.returned_gross += l.reversed_gross;
      }
      for (const [group, , , to_, , from_, , , amount, vat, isVoid, ra, rv] of JSON.parse(l.legs_json) as StoredLegTuple[]) {
        if (isVoid !== null) continue;
        const g = b.groups.get(group) ?? b.groups.set(group, { earned: null, paid: null }).get(group);
        if (to_ === entity) b.earnedTtc += amount - ra + vat - rv;
        if (from_ === entity) b.paidTtc += amount - ra + vat - rv;
        if (to_ === entity) g.earned = { amount: (g.earned?.amount ?? 0) + amount - ra, vat: (g.earned?.vat ?? 0) + vat - rv };
        if (from_ === entity) g.paid = { amount: (g.paid?.amount ?? 0) + amount - ra, vat: (g.paid?.vat ?? 0) + vat - rv };
      }
    }
    for (const x of db.prepare('SELECT * FROM entity_shares WHERE order_id = ? AND revision = ? AND entity = ?').all(o.order_id, o.revision, entity) as Json[]) {
      b.payout += x.amount;
      if (x.kind === 'fee') b.fees += x.amount;
      if (x.kind === 'fee' || (x.release_at !== null && x.release_at <= now)) b.released += x.amount;
    }
  }
  return [...blocks.values()].sort((a, b) => (a.currency < b.currency ? -1 : 1)).map((b) => ({
    currency: b.currency, orders: b.orders, lines_owned: b.lines_owned, sales_gross: b.sales_gross, sales_net: b.sales_net, returned_gross: b.returned_gross,
    fees: b.fees, payout: b.payout, parts: { owned: b.owned, earned: b.earnedTtc, paid: -b.paidTtc, fees: b.fees }, unshipped: b.unshipped, escrow: { held: b.payout - b.released, released: b.released },
    earned: [...b.groups].filter(([, g]) => g.earned).map(([group, g]) => ({ group, ...g.earned })).sort((x, y) => (x.group < y.group ? -1 : 1)),
    paid: [...b.groups].filter(([, g]) => g.paid).map(([group, g]) => ({ group, ...g.paid })).sort((x, y) => (x.group < y.group ? -1 : 1)),
  }));
}

function compare(db: Db, ctx: Parameters<typeof call>[0], now: string, entities: string[]) {
  const ranges: [string | undefined, string | undefined][] = [[undefined, undefined], ['2026-09-01', '2026-10-01'], ['2026-10-15', '2026-11-02'], ['2026-11-10', undefined]];
  for (const entity of entities) {
    for (const [from, to] of ranges) {
      const got = ok(call(ctx, 'dashboard.entity', { entity, ...(from ? { from } : {}), ...(to ? { to } : {}) }));
      const picked = got.currencies.map(({ upcoming: _u, daily: _d, ...rest }: Json) => rest);
      const want = oracle(db, entity, now, from, to);
      expect(picked, `${entity} ${from ?? '…'} to ${to ?? '…'} at ${now}`).toEqual(want);
      // The cards add up to the payout, exactly, and the oracle's parts (from lines and legs) do too.
      for (const [b, w] of got.currencies.map((c: Json, i: number) => [c, want[i]!] as const)) {
        expect(b.parts.owned + b.parts.earned + b.parts.paid + b.parts.fees).toBe(b.payout);
        expect(w.parts.owned + w.parts.earned + w.parts.paid + w.parts.fees).toBe(w.payout);
      }
    }
  }
}

describe('day totals kept with the settlement', () => {
  it('equal the totals rebuilt from scratch, and the dashboard equals the order-by-order figures', () => {
    const db = freshDb();
    const gen = (until: string) => {
      const s = generateScenario({ seed: 5, franchisees: 5, orders: 120, from: '2026-09-01', to: '2026-11-20', eventsUntil: until }) as unknown as Json;
      // Entities in three zones: the day an order counts on differs between its parties.
      s.network.entities.forEach((e: Json, i: number) => { e.time_zone = ['Europe/Paris', 'America/Martinique', 'Indian/Reunion'][i % 3]; });
      return s;
    };
    const clock = clocked(db, '2026-10-20T00:00:00Z');
    importInto(clock.ctx, gen('2026-10-20T00:00:00Z'));
    const entities = ['HQ', ...(db.prepare("SELECT id FROM entities WHERE id != 'HQ' ORDER BY id LIMIT 3").pluck().all() as string[])];
    compare(db, clock.ctx, '2026-10-20T00:00:00Z', entities);

    // Later events (deliveries, returns): new revisions replace old ones.
    clock.set('2026-11-25T00:00:00Z');
    importInto(clock.ctx, gen('2026-11-25T00:00:00Z'));
    expect(db.prepare('SELECT count(*) FROM settlement_revisions WHERE revision > 1').pluck().get()).toBeGreaterThan(0);
    const kept = { totals: table(db, 'entity_day_totals'), legs: table(db, 'entity_day_legs') };
    // Kept for the platform entity; the other entities' rows are computed from their orders.
    expect(db.prepare('SELECT DISTINCT entity FROM entity_day_totals').pluck().all()).toEqual(['HQ']);
    db.transaction(() => rebuildDayTotals(db))();
    expect(table(db, 'entity_day_totals')).toEqual(kept.totals);
    expect(table(db, 'entity_day_legs')).toEqual(kept.legs);
    compare(db, clock.ctx, '2026-11-25T00:00:00Z', entities);
    // Later, more shares have been released: the same totals answer for another now.
    clock.set('2026-12-31T00:00:00Z');
    compare(db, clock.ctx, '2026-12-31T00:00:00Z', entities);
    // The generated history exercises every part: returns, lines not yet shipped, commissions
    // and royalties both ways, the platform's PSP fees.
    const whole = (e: string) => ok(call(clock.ctx, 'dashboard.entity', { entity: e })).currencies[0];
    const stores = entities.slice(1).map(whole);
    expect(whole('HQ').parts.fees).toBeLessThan(0);
    expect(stores.some((b: Json) => b.returned_gross > 0 && b.parts.earned > 0 && b.parts.paid < 0)).toBe(true);
  });
});
