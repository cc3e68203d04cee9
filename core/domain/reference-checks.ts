// Checks of a scenario that a schema cannot express: references between objects, duplicate
// ids, overlapping rule versions, payment totals, and event histories. They run on the raw
// input, guarding every access, so that they still report what they can when some fields are
// malformed (the schema reports those).
import type { Issue, LifecycleEvent } from './scenario.js';
import { eventContent, sameContent } from './event-identity.js';
import { spread } from './money.js';
import { isTimestamp, toMs } from './time.js';

/** What event validation needs to know about an order. */
export interface KnownOrder {
  id: string;
  lines: ReadonlyArray<{ id: string | number; quantity: number; candidates: readonly string[] }>;
}

interface KnownLine { quantity: number | null; candidates: Set<string> }
type OrderIndex = Map<string, Map<string, KnownLine>>;

const ROLE_NAMES = new Set(['owner', 'shipper', 'pickup', 'catchment', 'origin', 'platform', 'seller']);

type Raw = Record<string, unknown>;
const isObj = (x: unknown): x is Raw => x !== null && typeof x === 'object' && !Array.isArray(x);
const list = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);
const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);
const lineIdOf = (x: unknown): string | undefined =>
  typeof x === 'string' ? x : typeof x === 'number' && Number.isSafeInteger(x) && x >= 0 ? String(x) : undefined;
const int = (x: unknown): number | undefined => (typeof x === 'number' && Number.isSafeInteger(x) ? x : undefined);

/** Reports the second and later occurrences of each id. */
function duplicates(items: unknown[], idOf: (x: Raw) => string | undefined, path: (i: number) => string, what: string, out: Issue[]): Set<string> {
  const first = new Map<string, number>();
  items.forEach((item, i) => {
    if (!isObj(item)) return;
    const id = idOf(item);
    if (id === undefined) return;
    const j = first.get(id);
    if (j === undefined) first.set(id, i);
    else out.push({ path: path(i), code: 'duplicate_id', message: `duplicate ${what} ${JSON.stringify(id)} (first at ${path(j)})` });
  });
  return new Set(first.keys());
}

export function checkReferences(raw: Raw): Issue[] {
  const out: Issue[] = [];
  const network = isObj(raw.network) ? raw.network : {};
  const entities = list(network.entities);
  const locations = list(network.locations);
  const entityIds = duplicates(entities, (e) => str(e.id), (i) => `network.entities[${i}].id`, 'entity id', out);
  const locationIds = duplicates(locations, (l) => str(l.id), (i) => `network.locations[${i}].id`, 'location id', out);
  const entityRef = (v: unknown, path: string) => {
    if (typeof v === 'string' && !entityIds.has(v)) out.push({ path, code: 'unknown_reference', message: `unknown entity ${JSON.stringify(v)}` });
  };
  const locationRef = (v: unknown, path: string) => {
    if (typeof v === 'string' && !locationIds.has(v)) out.push({ path, code: 'unknown_reference', message: `unknown location ${JSON.stringify(v)}` });
  };

  entityRef(network.platform_entity, 'network.platform_entity');
  locations.forEach((l, i) => {
    if (!isObj(l)) return;
    entityRef(l.entity, `network.locations[${i}].entity`);
    entityRef(l.operator, `network.locations[${i}].operator`);
  });
  const catchments = list(network.catchments);
  duplicates(catchments, (c) => str(c.postcode_prefix)?.toUpperCase(), (i) => `network.catchments[${i}].postcode_prefix`, 'postcode prefix', out);
  catchments.forEach((c, i) => isObj(c) && locationRef(c.location, `network.catchments[${i}].location`));
  duplicates(list(network.fx_rates), (f) => (typeof f.date === 'string' && typeof f.from === 'string' && typeof f.to === 'string' ? `${f.date} ${f.from}/${f.to}` : undefined),
    (i) => `network.fx_rates[${i}]`, 'exchange rate for', out);

  checkRules(list(raw.rules), entityRef, out);
  checkOrders(list(raw.orders), locationRef, out);
  return out;
}

function checkRules(rules: unknown[], entityRef: (v: unknown, path: string) => void, out: Issue[]): void {
  duplicates(rules, (r) => (typeof r.id === 'string' && int(r.version) !== undefined ? `${r.id}@${r.version}` : undefined),
    (i) => `rules[${i}].version`, 'rule version', out);
  const spans = new Map<string, { i: number; version: number; from: number; to: number }[]>();
  rules.forEach((r, i) => {
    if (!isObj(r)) return;
    const from = validTime(r.valid_from);
    const to = r.valid_to === null || r.valid_to === undefined ? Infinity : validTime(r.valid_to);
    if (from !== undefined && to !== undefined) {
      if (to <= from) out.push({ path: `rules[${i}].valid_to`, code: 'invalid_validity', message: `valid_to ${String(r.valid_to)} is not after valid_from ${String(r.valid_from)}` });
      else if (typeof r.id === 'string' && int(r.version) !== undefined) {
        const s = spans.get(r.id) ?? [];
        s.push({ i, version: r.version as number, from, to });
        spans.set(r.id, s);
      }
    }
    const when = isObj(r.when) ? r.when : {};
    for (const key of ['seller', 'owner'] as const) list(when[key]).forEach((v, k) => entityRef(v, `rules[${i}].when.${key}[${k}]`));
    list(r.legs).forEach((leg, k) => {
      if (!isObj(leg)) return;
      for (const end of ['to', 'from'] as const) {
        const v = leg[end];
        if (typeof v !== 'string') continue;
        const path = `rules[${i}].legs[${k}].${end}`;
        if (v.startsWith('entity:')) entityRef(v.slice(7), path);
        else if (!ROLE_NAMES.has(v)) out.push({ path, code: 'unknown_role', message: `unknown role ${JSON.stringify(v)}; expected one of ${[...ROLE_NAMES].join(', ')} or entity:<id>` });
      }
      const min = int(leg.min);
      const max = int(leg.max);
      if (min !== undefined && max !== undefined && min > max) out.push({ path: `rules[${i}].legs[${k}].min`, code: 'min_exceeds_max', message: `min ${min} is greater than max ${max}` });
    });
  });
  for (const [id, s] of spans) {
    s.sort((a, b) => a.from - b.from || a.i - b.i);
    for (let j = 1; j < s.length; j++) {
      for (let h = 0; h < j; h++) {
        if (s[h].to > s[j].from && s[h].version !== s[j].version) {
          out.push({ path: `rules[${s[j].i}].valid_from`, code: 'overlapping_versions', message: `versions ${s[h].version} and ${s[j].version} of rule ${JSON.stringify(id)} overlap in validity` });
          break;
        }
      }
    }
  }
}

function validTime(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(v) || isTimestamp(v)) {
    const ms = Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

/**
 * A PSP payment is paid for one order: a payment id carried by two orders of the file would be
 * counted twice in settlement and escrow (the store checks it against stored orders too).
 */
function checkPaymentsOnce(orders: unknown[], out: Issue[]): void {
  const first = new Map<string, string>();
  orders.forEach((o, i) => {
    if (!isObj(o)) return;
    const seenHere = new Set<string>();
    list(o.payments).forEach((pm, k) => {
      const id = isObj(pm) ? str(pm.id) : undefined;
      if (id === undefined || seenHere.has(id)) return; // a repeat within one order is a duplicate_id
      seenHere.add(id);
      const path = `orders[${i}].payments[${k}].id`;
      const at = first.get(id);
      if (at === undefined) first.set(id, path);
      else out.push({ path, code: 'duplicate_payment', message: `payment ${JSON.stringify(id)} is already carried by another order (${at}); a payment belongs to one order` });
    });
  });
}

function checkOrders(orders: unknown[], locationRef: (v: unknown, path: string) => void, out: Issue[]): void {
  duplicates(orders, (o) => str(o.id), (i) => `orders[${i}].id`, 'order id', out);
  checkPaymentsOnce(orders, out);
  orders.forEach((o, i) => {
    if (!isObj(o)) return;
    const p = `orders[${i}]`;
    locationRef(o.origin, `${p}.origin`);
    if ((o.channel === 'store' || o.channel === 'endless_aisle') && (o.origin === null || o.origin === undefined)) {
      out.push({ path: `${p}.origin`, code: 'missing_origin', message: `an order of channel ${o.channel} needs its origin store` });
    }
    const lines = list(o.lines);
    duplicates(lines, (l) => lineIdOf(l.id), (j) => `${p}.lines[${j}].id`, 'line id', out);
    let total: number | undefined = 0;
    lines.forEach((l, j) => {
      if (!isObj(l)) {
        total = undefined;
        return;
      }
      const lp = `${p}.lines[${j}]`;
      list(l.candidates).forEach((c, k) => locationRef(c, `${lp}.candidates[${k}]`));
      locationRef(l.pickup_location, `${lp}.pickup_location`);
      if (l.delivery_mode === 'click_and_collect' && (l.pickup_location === null || l.pickup_location === undefined)) {
        out.push({ path: `${lp}.pickup_location`, code: 'missing_pickup_location', message: 'a click-and-collect line needs its pickup_location' });
      }
      const q = int(l.quantity);
      const price = int(l.unit_price);
      const discount = l.discount === undefined ? 0 : int(l.discount);
      if (q === undefined || price === undefined || discount === undefined || q <= 0) {
        total = undefined;
        return;
      }
      const gross = price * q - discount;
      if (!Number.isSafeInteger(price * q)) {
        out.push({ path: `${lp}.unit_price`, code: 'invalid_amount', message: 'unit_price × quantity is too large' });
        total = undefined;
        return;
      }
      if (gross < 0) out.push({ path: `${lp}.discount`, code: 'negative_amount', message: `discount ${discount} exceeds unit_price × quantity = ${price * q}` });
      if (total !== undefined) total += gross;
    });
    const orderDiscount = o.discount === undefined ? 0 : int(o.discount);
    if (total !== undefined && orderDiscount !== undefined && orderDiscount > 0) {
      if (orderDiscount > total) {
        out.push({ path: `${p}.discount`, code: 'negative_amount', message: `order discount ${orderDiscount} exceeds the lines' total ${total}` });
      } else {
        // The order discount is spread by gross before line discounts: a line already heavily
        // discounted may not be able to take its share.
        const ls = lines as Raw[];
        const before = ls.map((l) => (l.unit_price as number) * (l.quantity as number));
        const shares = spread(orderDiscount, before);
        ls.forEach((l, j) => {
          const g = before[j] - ((l.discount as number | undefined) ?? 0);
          if (g >= 0 && g - shares[j] < 0) {
            out.push({ path: `${p}.discount`, code: 'negative_amount', message: `line ${String(l.id)}'s share ${shares[j]} of the order discount exceeds its gross ${g}` });
          }
        });
      }
    }
    const payments = list(o.payments);
    duplicates(payments, (pm) => str(pm.id), (k) => `${p}.payments[${k}].id`, 'payment id', out);
    let paid: number | undefined = 0;
    for (const pm of payments) {
      const a = isObj(pm) ? int(pm.amount) : undefined;
      paid = a === undefined || paid === undefined ? undefined : paid + a;
    }
    if (total !== undefined && orderDiscount !== undefined && paid !== undefined && paid !== total - orderDiscount) {
      out.push({
        path: `${p}.payments`,
        code: 'payments_mismatch',
        message: `payments add up to ${paid} but the order's gross total after discounts is ${total - orderDiscount}`,
      });
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Events

export function indexKnownOrders(orders: Iterable<unknown>): OrderIndex {
  const index: OrderIndex = new Map();
  for (const o of orders) {
    if (!isObj(o) || typeof o.id !== 'string' || index.has(o.id)) continue;
    const lines = new Map<string, KnownLine>();
    for (const l of list(o.lines)) {
      if (!isObj(l)) continue;
      const id = lineIdOf(l.id);
      if (id === undefined || lines.has(id)) continue;
      const q = int(l.quantity);
      lines.set(id, { quantity: q !== undefined && q > 0 ? q : null, candidates: new Set(list(l.candidates).filter((c): c is string => typeof c === 'string')) });
    }
    index.set(o.id, lines);
  }
  return index;
}

export function checkEvents(
  events: readonly (LifecycleEvent | null)[],
  orders: OrderIndex,
  prior: Iterable<LifecycleEvent>,
  locations: Set<string> | null,
  prefix: string,
): Issue[] {
  const out: Issue[] = [];
  // Events already seen: by id, and (without id) per order, compared field by field; an order
  // has few events, so this beats building a content key for each of millions of events.
  const byId = new Map<string, LifecycleEvent>();
  const byOrder = new Map<string, { e: LifecycleEvent; ms: number }[]>();
  /** The event already seen with the same identity, if any; otherwise records `e`. */
  const seenBefore = (e: LifecycleEvent): LifecycleEvent | undefined => {
    if (e.id !== undefined) {
      const b = byId.get(e.id);
      if (b === undefined) byId.set(e.id, e);
      return b;
    }
    const ms = toMs(e.at);
    let list = byOrder.get(e.order);
    if (list === undefined) byOrder.set(e.order, (list = []));
    for (const x of list) if (sameContent(x.e, x.ms, e, ms)) return x.e;
    list.push({ e, ms });
    return undefined;
  };
  const returned = new Map<string, number>(); // order \u0000 line -> units
  const exceeded = new Set<string>();
  const countReturn = (e: LifecycleEvent) => {
    if (e.type !== 'line_returned') return 0;
    const key = `${e.order}\u0000${e.line}`;
    const n = (returned.get(key) ?? 0) + e.quantity;
    returned.set(key, n);
    return n;
  };
  for (const e of prior) if (seenBefore(e) === undefined) countReturn(e);
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (e === null) continue;
    const p = () => `${prefix}[${i}]`;
    const before = seenBefore(e);
    if (before !== undefined) {
      if (e.id !== undefined && eventContent(before) !== eventContent(e)) {
        out.push({ path: `${p()}.id`, code: 'duplicate_id', message: `event id ${JSON.stringify(e.id)} is already used by a different event` });
      }
      continue; // the same event again: applied once, nothing more to check
    }
    const lines = orders.get(e.order);
    if (!lines) {
      out.push({ path: `${p()}.order`, code: 'unknown_reference', message: `unknown order ${JSON.stringify(e.order)}` });
      continue;
    }
    const line = lines.get(e.line);
    if (!line) {
      out.push({ path: `${p()}.line`, code: 'unknown_reference', message: `order ${JSON.stringify(e.order)} has no line ${JSON.stringify(e.line)}` });
      continue;
    }
    if (e.type === 'fulfilment_accepted' || e.type === 'fulfilment_refused') {
      if (locations && !locations.has(e.location)) out.push({ path: `${p()}.location`, code: 'unknown_reference', message: `unknown location ${JSON.stringify(e.location)}` });
      else if (!line.candidates.has(e.location)) {
        out.push({ path: `${p()}.location`, code: 'location_not_candidate', message: `location ${JSON.stringify(e.location)} is not among the candidates of line ${JSON.stringify(e.line)} of order ${JSON.stringify(e.order)}` });
      }
    }
    if (e.type === 'line_returned') {
      if (locations && typeof e.location === 'string' && !locations.has(e.location)) {
        out.push({ path: `${p()}.location`, code: 'unknown_reference', message: `unknown location ${JSON.stringify(e.location)}` });
      }
      const total = countReturn(e);
      const key = `${e.order}\u0000${e.line}`;
      if (line.quantity !== null && total > line.quantity && !exceeded.has(key)) {
        exceeded.add(key);
        out.push({ path: `${p()}.quantity`, code: 'return_exceeds_sold', message: `returns add up to ${total} units but line ${JSON.stringify(e.line)} of order ${JSON.stringify(e.order)} sold ${line.quantity}` });
      }
    }
  }
  return out;
}

