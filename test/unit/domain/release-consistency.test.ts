// Properties of the two pure modules behind the lifecycle and release runs: event consistency
// (accepted histories are clean for the engine; a consistent history is accepted however it is
// split between stored and new events) and release planning (transfers add up, a plan applied
// then planned again moves nothing, reversals never exceed what a transfer has left).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkOrderEvents } from '../../../core/domain/event-consistency.js';
import { runLifecycle } from '../../../core/domain/lifecycle.js';
import { planRelease, type LedgerItem, type PriorTransfer, type Recovery } from '../../../core/domain/release-plan.js';
import type { LifecycleEvent, Order } from '../../../core/domain/scenario.js';
import type { Warning } from '../../../core/domain/settlement-types.js';
import { isoUtc, toMs } from '../../../core/domain/time.js';

const CREATED = '2026-03-01T00:00:00Z';
const order: Order = {
  id: 'O1', channel: 'web', origin: null, customer_postcode: null, created_at: CREATED, currency: 'EUR', discount: 0,
  lines: [
    { id: '1', sku: null, category: null, kind: 'goods', quantity: 3, unit_price: 1000, discount: 0, vat_rate: '0.20', delivery_mode: 'ship_from_store', candidates: ['A', 'B', 'C'], pickup_location: null },
    { id: '2', sku: null, category: null, kind: 'goods', quantity: 1, unit_price: 1000, discount: 0, vat_rate: '0.20', delivery_mode: 'in_store', candidates: ['A'], pickup_location: null },
  ],
  payments: [],
};

const at = (minutes: number) => isoUtc(toMs(CREATED) + minutes * 60_000);

/** Any event on the order's lines, at a minute in the first two weeks. */
const anyEvent: fc.Arbitrary<LifecycleEvent> = fc.record({
  kind: fc.constantFrom('fulfilment_accepted', 'fulfilment_refused', 'line_shipped', 'line_delivered', 'line_collected', 'line_cancelled', 'line_returned'),
  line: fc.constantFrom('1', '1', '1', '2'),
  minute: fc.integer({ min: -30, max: 20_000 }),
  location: fc.constantFrom('A', 'B', 'C'),
  reason: fc.constantFrom('no_stock', 'timeout', 'capacity'),
  quantity: fc.integer({ min: 1, max: 3 }),
}).map(({ kind, line, minute, location, reason, quantity }) => {
  const base = { order: 'O1', line, at: at(minute) };
  switch (kind) {
    case 'fulfilment_accepted': return { type: kind, ...base, location };
    case 'fulfilment_refused': return { type: kind, ...base, location, reason } as LifecycleEvent;
    case 'line_returned': return { type: kind, ...base, quantity };
    default: return { type: kind, ...base } as LifecycleEvent;
  }
});

/**
 * Keeps, in time order, the events the checker accepts one after the other: a consistent history.
 * One event per instant: events of the same instant apply in the order they are received, so
 * splitting them between stored and late ones changes the history (and may rightly be refused).
 */
function consistent(events: LifecycleEvent[]): LifecycleEvent[] {
  const kept: LifecycleEvent[] = [];
  const instants = new Set<number>();
  for (const e of [...events].sort((a, b) => toMs(a.at) - toMs(b.at))) {
    if (instants.has(toMs(e.at))) continue;
    if (checkOrderEvents(order, kept, [{ event: e, index: 0 }]).issues.length === 0) {
      kept.push(e);
      instants.add(toMs(e.at));
    }
  }
  return kept;
}

describe('event consistency', () => {
  it('accepts only histories the engine applies without ignoring, capping or rerouting anything', () => {
    fc.assert(fc.property(fc.array(anyEvent, { maxLength: 25 }), (events) => {
      const fresh = events.map((event, index) => ({ event, index }));
      const { issues } = checkOrderEvents(order, [], fresh);
      if (issues.length > 0) return;
      const warnings: Warning[] = [];
      runLifecycle(order, events, toMs(CREATED), Number.POSITIVE_INFINITY, warnings);
      expect(warnings).toEqual([]);
    }), { numRuns: 3000 });
  });

  it('accepts a consistent history however it is split into stored and late events', () => {
    let longest = 0;
    const types = new Set<string>();
    fc.assert(fc.property(fc.array(anyEvent, { maxLength: 25 }), fc.array(fc.boolean(), { minLength: 25, maxLength: 25 }), (events, split) => {
      const history = consistent(events);
      longest = Math.max(longest, history.length);
      for (const e of history) types.add(e.type);
      const stored = history.filter((_, i) => split[i]);
      const late = history.filter((_, i) => !split[i]).reverse().map((event, index) => ({ event, index }));
      expect(checkOrderEvents(order, stored, late).issues).toEqual([]);
      const warnings: Warning[] = [];
      runLifecycle(order, history, toMs(CREATED), Number.POSITIVE_INFINITY, warnings);
      expect(warnings).toEqual([]);
    }), { numRuns: 2000 });
    // The generated histories are not trivial: long, and with every kind of event.
    expect(longest).toBeGreaterThanOrEqual(4);
    expect(types.size).toBeGreaterThanOrEqual(6);
  });

  it('names the contradiction and its path', () => {
    const stored: LifecycleEvent[] = [{ type: 'line_cancelled', order: 'O1', line: '1', at: at(60) }];
    expect(checkOrderEvents(order, stored, [
      { event: { type: 'line_shipped', order: 'O1', line: '1', at: at(120) }, index: 0 },
      { event: { type: 'fulfilment_accepted', order: 'O1', line: '2', location: 'A', at: at(10) }, index: 1 },
      { event: { type: 'line_returned', order: 'O1', line: '2', quantity: 2, at: at(10) }, index: 2 },
      { event: { type: 'line_shipped', order: 'O1', line: '1', at: at(-10) }, index: 3 },
    ]).issues.map((i) => `${i.path} ${i.code}`)).toEqual([
      'events[3].at event_before_order', 'events[1] in_store_line', 'events[2].quantity return_exceeds_sold', 'events[0] cancelled_line',
    ]);
  });
});

// ---- Release planning ------------------------------------------------------------------------

const ENTITIES = ['P', 'E1', 'E2'];
const ledger = fc.array(fc.record({
  entity: fc.constantFrom(...ENTITIES), currency: fc.constantFrom('EUR', 'JPY'), order: fc.constantFrom('o1', 'o2', 'o3'),
  line: fc.constantFrom('', '1', '2'), amount: fc.integer({ min: -500, max: 3000 }),
}), { maxLength: 30 });

/** Applies a plan the way the store does: its items join the paid ledger, its transfers the prior ones. */
function apply(paid: LedgerItem[], prior: PriorTransfer[], plan: ReturnType<typeof planRelease>, seq: { n: number }) {
  for (const t of plan.transfers) {
    const id = `t${seq.n++}`;
    for (const i of t.items) paid.push({ entity: t.entity, currency: t.currency, order: i.order, line: i.line, amount: i.amount });
    if (t.kind === 'transfer') prior.push({ id, key: `k-${id}`, entity: t.entity, currency: t.currency, seq: seq.n, amount: t.amount, items: t.items.map(({ order, line, amount }) => ({ order, line, amount })), reversed: [] });
    if (t.kind === 'reversal') {
      const target = prior.find((p) => p.id === t.reverses!.id)!;
      for (const i of t.items) target.reversed.push({ order: i.order, line: i.line, amount: -i.amount });
    }
  }
}

describe('release planning', () => {
  it('moves exactly what is released and unpaid, once, and never reverses more than a transfer has left', () => {
    fc.assert(fc.property(ledger, ledger, fc.constantFrom<Recovery>('net', 'reverse'), fc.constantFrom('E1', 'E2', 'none'), (first, second, recovery, noAccount) => {
      const paid: LedgerItem[] = [];
      const prior: PriorTransfer[] = [];
      const seq = { n: 1 };
      const plan = (released: LedgerItem[]) => planRelease({
        released, paid, platform: 'P', recovery, hasAccount: (e) => e !== noAccount,
        priorTransfers: (e, c) => prior.filter((p) => p.entity === e && p.currency === c),
      });
      // Released so far: first the `first` ledger, then it changes (returns lower it, new lines add).
      for (const released of [first, [...first, ...second]]) {
        const p = plan(released);
        for (const t of p.transfers) {
          expect(t.items.reduce((s, i) => s + i.amount, 0)).toBe(t.amount);
          expect(t.kind === 'reversal' ? t.amount < 0 : t.amount > 0).toBe(true);
          expect(t.kind === 'withdrawal').toBe(t.entity === 'P');
          expect(t.entity === noAccount && t.kind === 'transfer').toBe(false);
        }
        apply(paid, prior, p, seq);
        for (const t of prior) expect(t.reversed.reduce((s, r) => s + r.amount, 0)).toBeLessThanOrEqual(t.amount);
        // What remains unpaid per entity and currency is exactly what the plan carried.
        const unpaid = new Map<string, number>();
        for (const i of released) unpaid.set(`${i.entity}/${i.currency}`, (unpaid.get(`${i.entity}/${i.currency}`) ?? 0) + i.amount);
        for (const i of paid) unpaid.set(`${i.entity}/${i.currency}`, (unpaid.get(`${i.entity}/${i.currency}`) ?? 0) - i.amount);
        const carried = new Map(p.carried.map((c) => [`${c.entity}/${c.currency}`, c.amount]));
        for (const [k, v] of unpaid) expect({ k, v }).toEqual({ k, v: carried.get(k) ?? 0 });
        // The same plan again moves nothing.
        expect(plan(released).transfers).toEqual([]);
      }
    }), { numRuns: 1500 });
  });
});
