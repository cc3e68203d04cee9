// fast-check generators of whole scenarios: networks (entities, locations run by third parties,
// catchments), versioned rules in several groups, orders in EUR, JPY and BHD with discounts and
// split payments, and event histories with refusals, reroutes, cancellations, deliveries and
// partial returns in several steps, some events given twice.
import fc from 'fast-check';
import type { ScenarioInput } from '../../core/domain/scenario.js';

type NetworkInput = ScenarioInput['network'];
type OrderInput = NonNullable<ScenarioInput['orders']>[number];
type LineInput = OrderInput['lines'][number];
type RuleInput = NonNullable<ScenarioInput['rules']>[number];
type EventInput = NonNullable<ScenarioInput['events']>[number];

const REGIONS = ['AURA', 'HDF', 'IDF', null] as const;
const RATES = ['0', '0.01', '0.015', '0.035', '0.05', '0.0625', '0.08', '0.1', '0.333', '1'];
const VAT_RATES = ['0.20', '0.10', '0.055', '0.021', '0'];
const ROLE_ENDS = ['owner', 'shipper', 'pickup', 'catchment', 'origin', 'platform', 'seller'];
const CATEGORIES = ['shoes', 'apparel', 'beauty'];
const DAY = 86_400_000;
const START = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

export interface Generated {
  scenario: ScenarioInput;
  /** Latest moment in the scenario. */
  lastMs: number;
}

const networkArb = fc
  .record({
    entities: fc.integer({ min: 2, max: 6 }),
    regions: fc.array(fc.constantFrom(...REGIONS), { minLength: 6, maxLength: 6 }),
    locationsPer: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 6, maxLength: 6 }),
    operators: fc.array(fc.option(fc.nat(5), { freq: 3 }), { minLength: 18, maxLength: 18 }),
    catchments: fc.array(fc.tuple(fc.nat(17), fc.integer({ min: 1, max: 5 })), { maxLength: 8 }),
    commissionVat: fc.constantFrom('0.20', '0.10', '0'),
    window: fc.integer({ min: 0, max: 20 }),
    bearer: fc.constantFrom('platform' as const, 'owners_pro_rata' as const),
    attribution: fc.shuffledSubarray(['pickup', 'catchment', 'shipper', 'origin', 'platform'] as const, { minLength: 1 }),
  })
  .map((g): NetworkInput => {
    const entities = Array.from({ length: g.entities }, (_, i) => ({
      id: `E${i}`, name: `Entity ${i}`, kind: i === 0 ? ('franchisor' as const) : ('franchisee' as const), siren: '552100554', region: g.regions[i],
    }));
    const locations: NetworkInput['locations'] = [];
    let n = 0;
    for (let i = 0; i < g.entities; i++) {
      for (let k = 0; k < g.locationsPer[i]; k++, n++) {
        const op = g.operators[n];
        locations.push({
          id: `L${n}`, entity: `E${i}`, operator: op === null ? undefined : `E${op % g.entities}`, kind: k === 0 ? 'store' : 'warehouse',
          postcode: String(10000 + n * 1117), ship: true, collect: true,
        });
      }
    }
    const seen = new Set<string>();
    const catchments: NetworkInput['catchments'] = [];
    for (const [loc, len] of g.catchments) {
      const l = locations[loc % locations.length];
      const prefix = l.postcode!.slice(0, len);
      if (seen.has(prefix)) continue;
      seen.add(prefix);
      catchments.push({ postcode_prefix: prefix, location: l.id });
    }
    return {
      platform_entity: 'E0', commission_vat_rate: g.commissionVat, return_window_days: g.window, psp_fee_bearer: g.bearer,
      web_attribution: [...g.attribution], entities, locations, catchments,
    };
  });

function legArb(entities: number) {
  return fc
    .record({
      to: fc.oneof(fc.constantFrom(...ROLE_ENDS), fc.nat(entities - 1).map((i) => `entity:E${i}`)),
      from: fc.oneof({ weight: 4, arbitrary: fc.constant('owner') }, { weight: 1, arbitrary: fc.constantFrom(...ROLE_ENDS) }),
      rate: fc.constantFrom(...RATES),
      base: fc.constantFrom('net' as const, 'gross' as const),
      per_unit: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 500 }) }),
      min: fc.option(fc.integer({ min: 0, max: 300 }), { freq: 4 }),
      span: fc.option(fc.integer({ min: 0, max: 3000 }), { freq: 4 }),
    })
    .map(({ span, ...l }) => ({ ...l, max: span === null ? null : (l.min ?? 0) + span }));
}

function rulesArb(entities: number): fc.Arbitrary<RuleInput[]> {
  const when = fc.record(
    {
      channel: fc.subarray(['web', 'app', 'phone', 'store', 'endless_aisle'] as const, { minLength: 1 }),
      delivery_mode: fc.subarray(['home_delivery', 'click_and_collect', 'ship_from_store', 'in_store'] as const, { minLength: 1 }),
      kind: fc.subarray(['goods', 'shipping'] as const, { minLength: 1 }),
      category: fc.subarray(CATEGORIES, { minLength: 1 }),
      seller_region: fc.subarray(['AURA', 'HDF', 'IDF'], { minLength: 1 }),
      owner_region: fc.subarray(['AURA', 'HDF', 'IDF'], { minLength: 1 }),
      seller_is_owner: fc.boolean(),
    },
    { requiredKeys: [] },
  );
  const one = fc.record({
    group: fc.constantFrom('commission', 'royalty', 'marketing'),
    priority: fc.integer({ min: 0, max: 5 }),
    when,
    legs: fc.array(legArb(entities), { maxLength: 2 }),
    versions: fc.option(fc.tuple(fc.integer({ min: 5, max: 80 }), fc.array(legArb(entities), { maxLength: 2 })), { freq: 3 }),
  });
  return fc.array(one, { maxLength: 6 }).map((rs) =>
    rs.flatMap((r, i): RuleInput[] => {
      const id = `R${i}`;
      if (r.versions === null) return [{ id, version: 1, group: r.group, priority: r.priority, valid_from: '2026-01-01', valid_to: null, when: r.when, legs: r.legs }];
      const split = iso(START + r.versions[0] * DAY).slice(0, 10);
      return [
        { id, version: 1, group: r.group, priority: r.priority, valid_from: '2026-01-01', valid_to: split, when: r.when, legs: r.legs },
        { id, version: 2, group: r.group, priority: r.priority, valid_from: split, valid_to: null, when: r.when, legs: r.versions[1] },
      ];
    }),
  );
}

/** One line's history: what happens to it, as choices the event builder turns into events. */
const historyArb = fc.record({
  refusals: fc.integer({ min: 0, max: 3 }),
  strayRefusal: fc.boolean(),
  accept: fc.boolean(),
  cancel: fc.integer({ min: 0, max: 9 }), // 0: cancelled before shipping
  ship: fc.integer({ min: 0, max: 9 }), // 0: never shipped
  deliver: fc.integer({ min: 0, max: 9 }), // 0: shipped, never delivered
  returns: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 3 }),
  gaps: fc.array(fc.integer({ min: 0, max: 5 * 24 }), { minLength: 12, maxLength: 12 }),
});

function orderArb(net: NetworkInput, index: number) {
  const locs = (net.locations ?? []).map((l) => l.id);
  const lineArb = fc.record({
    quantity: fc.integer({ min: 1, max: 5 }),
    unit_price: fc.oneof(fc.integer({ min: 0, max: 30000 }), fc.integer({ min: 0, max: 3_000_000 })),
    discountPct: fc.integer({ min: 0, max: 50 }),
    vat_rate: fc.constantFrom(...VAT_RATES),
    kind: fc.constantFrom('goods' as const, 'goods' as const, 'shipping' as const),
    category: fc.constantFrom(...CATEGORIES),
    mode: fc.constantFrom('home_delivery' as const, 'click_and_collect' as const, 'ship_from_store' as const),
    candidates: fc.uniqueArray(fc.constantFrom(...locs), { minLength: 1, maxLength: 3 }),
    pickup: fc.constantFrom(...locs),
    history: historyArb,
  });
  return fc
    .record({
      channel: fc.constantFrom('web' as const, 'app' as const, 'phone' as const, 'store' as const, 'endless_aisle' as const),
      origin: fc.constantFrom(...locs),
      postcode: fc.option(fc.integer({ min: 10000, max: 40000 }).map(String), { freq: 5 }),
      day: fc.integer({ min: 0, max: 90 }),
      currency: fc.constantFrom('EUR', 'EUR', 'JPY', 'BHD'),
      lines: fc.array(lineArb, { minLength: 1, maxLength: 4 }),
      discountPct: fc.integer({ min: 0, max: 10 }),
      cuts: fc.array(fc.integer({ min: 0, max: 100 }), { maxLength: 2 }),
      feePermille: fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 3, maxLength: 3 }),
    })
    .map((o) => {
      const id = `O${index}`;
      const createdMs = START + o.day * DAY + index * 60_000;
      const created = iso(createdMs);
      const inStore = o.channel === 'store';
      const lines: LineInput[] = o.lines.map((l, j) => {
        const before = l.unit_price * l.quantity;
        return {
          id: String(j + 1), category: l.kind === 'shipping' ? 'shipping' : l.category, kind: l.kind, quantity: l.quantity, unit_price: l.unit_price,
          discount: Math.floor((before * l.discountPct) / 100), vat_rate: l.vat_rate,
          delivery_mode: inStore ? 'in_store' : l.mode,
          candidates: inStore ? [o.origin] : l.candidates,
          pickup_location: !inStore && l.mode === 'click_and_collect' ? l.pickup : null,
        };
      });
      const afterLines = lines.reduce((s, l) => s + l.unit_price * l.quantity - (l.discount ?? 0), 0);
      const discount = Math.floor((afterLines * o.discountPct) / 100);
      const total = afterLines - discount;
      const cuts = [...new Set(o.cuts.map((c) => Math.floor((total * c) / 100)))].sort((a, b) => a - b);
      const bounds = [0, ...cuts, total];
      const payments = [];
      for (let k = 0; k + 1 < bounds.length; k++) {
        const amount = bounds[k + 1] - bounds[k];
        payments.push({ id: `${id}-P${k}`, method: 'card', amount, psp_fee: Math.floor((amount * o.feePermille[k]) / 1000), captured_at: created });
      }
      const order: OrderInput = {
        id, channel: o.channel, origin: o.channel === 'store' || o.channel === 'endless_aisle' ? o.origin : null,
        customer_postcode: o.postcode, created_at: created, currency: o.currency, discount, lines, payments,
      };
      const { events, lastMs } = historyEvents(order, o.lines.map((l) => l.history), createdMs);
      return { order, events, lastMs };
    });
}

type History = typeof historyArb extends fc.Arbitrary<infer T> ? T : never;

function historyEvents(order: OrderInput, histories: History[], createdMs: number) {
  const events: EventInput[] = [];
  let lastMs = createdMs;
  order.lines.forEach((line, j) => {
    const h = histories[j];
    let t = createdMs;
    let g = 0;
    const next = () => {
      t += (h.gaps[g++ % h.gaps.length] + 1) * 3_600_000;
      lastMs = Math.max(lastMs, t);
      return iso(t);
    };
    const base = { order: order.id, line: line.id };
    const push = (e: EventInput) => events.push(e);
    if (line.delivery_mode !== 'in_store') {
      const cands = line.candidates;
      if (h.strayRefusal && cands.length > 1) push({ ...base, type: 'fulfilment_refused', location: cands[cands.length - 1], reason: 'capacity', at: next() });
      const refusals = Math.min(h.refusals, cands.length);
      for (let k = 0; k < refusals; k++) push({ ...base, type: 'fulfilment_refused', location: cands[k], reason: 'no_stock', at: next() });
      if (refusals >= cands.length) return;
      if (h.accept) push({ ...base, type: 'fulfilment_accepted', location: cands[refusals], at: next() });
      if (h.cancel === 0) {
        push({ ...base, type: 'line_cancelled', at: next() });
        return;
      }
      if (h.ship === 0) return;
      push({ ...base, type: 'line_shipped', at: next() });
      if (h.deliver === 0) return;
      push({ ...base, type: line.delivery_mode === 'click_and_collect' ? 'line_collected' : 'line_delivered', at: next() });
    }
    let left = line.quantity;
    for (const q of h.returns) {
      const k = Math.min(q, left);
      if (k === 0) break;
      left -= k;
      const e: EventInput = { ...base, type: 'line_returned', quantity: k, at: next() };
      push(e);
      if (q === 3) push({ ...e }); // the same return delivered twice: applied once
    }
  });
  return { events, lastMs };
}

export const scenarioArb: fc.Arbitrary<Generated> = networkArb.chain((network) =>
  fc
    .record({
      rules: rulesArb(network.entities.length),
      orders: fc.integer({ min: 1, max: 5 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => orderArb(network, i)))),
      eventSeed: fc.integer(),
    })
    .map(({ rules, orders, eventSeed }) => {
      // Interleave the orders' events in an arbitrary way; each order's own events keep their order.
      const queues = orders.map((o) => [...o.events]);
      const events: EventInput[] = [];
      let s = eventSeed >>> 0;
      while (queues.some((q) => q.length > 0)) {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        const live = queues.filter((q) => q.length > 0);
        events.push(live[s % live.length].shift()!);
      }
      return {
        scenario: { format: 'ventil.scenario/1' as const, network, rules, orders: orders.map((o) => o.order), events },
        lastMs: Math.max(...orders.map((o) => o.lastMs)),
      };
    }),
);

export { iso, DAY };
