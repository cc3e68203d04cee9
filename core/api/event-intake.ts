// The one path every lifecycle event takes into the store: an events file (`ventil events`),
// the API (`events.submit`), a store's inbox (accept, refuse) and the routing scheduler
// (timeouts). In one transaction it validates the events (schema, references, and consistency
// with the stored history, docs/lifecycle.md), appends the new ones, re-settles only the orders
// they touch, and brings the routing offers of those orders up to date. Anything wrong refuses
// the whole submission with every problem and its path; nothing of it is stored.
import { eventIdentity } from '../domain/event-identity.js';
import { checkOrderEvents, type FreshEvent } from '../domain/event-consistency.js';
import { LifecycleEventSchema, validateEvents, validateEventsFile, type Issue, type LifecycleEvent, type Order } from '../domain/scenario.js';
import { importEvents, loadEvents, loadOrders } from '../store/scenario-repo.js';
import type { Db } from '../store/db.js';
import { locationIds } from '../store/network-repo.js';
import { lastEventKeys } from '../store/orders-repo.js';
import { locationParties } from '../store/routing-repo.js';
import { ApiError } from './errors.js';
import type { Scope } from './principal.js';
import { syncRouting, type SyncResult } from './routing-sync.js';
import { settleStoredOrders } from './settlement-runner.js';

export interface IntakeOptions {
  now: Date;
  /** Stored in `events.source`: 'file', 'api', 'inbox', 'routing'. */
  source: string;
  /** Who submits (user id), recorded in the routing history. */
  actor: string;
  /** The caller's scope; store managers may only submit events of their own locations. */
  scope?: Scope | null;
  /** Notes given with refusals, by `order \0 line \0 location` (inbox). */
  notes?: ReadonlyMap<string, string>;
}

export interface IntakeResult {
  received: number;
  added: number;
  /** Events already stored (or repeated in the submission): applied once. */
  unchanged: number;
  /** Orders with new events: the only ones re-settled. */
  orders: string[];
  /** Keys (events.event_key) of the events added, in submission order. */
  keys: string[];
  settled: { orders: number; revised: number };
  routing: SyncResult;
}

type Input = { file: unknown } | { events: unknown };

/**
 * Every check of an intake, without writing anything: schema, references, consistency with the
 * stored history, and the caller's scope. Throws the intake's named errors; a replica runs it
 * before queueing events for its hub.
 */
export function checkEvents(db: Db, input: Input, scope: Scope | null): { raw: unknown[]; fresh: FreshEvent[]; duplicates: number; byOrder: Map<string, FreshEvent[]> } {
  const list = 'file' in input ? (input.file as { events?: unknown } | null)?.events : input.events;
  const raw = Array.isArray(list) ? list : [];
  const orderIds = [...new Set(raw.map((e) => (e as { order?: unknown } | null)?.order).filter((o): o is string => typeof o === 'string'))];
  const orders = loadOrders(db, orderIds);
  const prior = loadEvents(db, orderIds);
  const locations = locationIds(db);
  const known = { orders, priorEvents: prior, locations };

  const checked = 'file' in input ? validateEventsFile(input.file, known) : validateEvents(input.events, known);
  const issues: Issue[] = checked.ok ? [] : [...checked.issues];

  // Each event parsed on its own, so that orders whose events are all readable still get their
  // consistency checked when another order's event is malformed.
  const parsed = raw.map((e) => {
    const r = LifecycleEventSchema.safeParse(e);
    return r.success ? r.data : null;
  });
  const seen = new Set(prior.map((e) => eventIdentity(e).identity));
  const fresh: FreshEvent[] = [];
  let duplicates = 0;
  const badOrders = new Set<string>();
  parsed.forEach((e, index) => {
    if (e === null) {
      const o = (raw[index] as { order?: unknown } | null)?.order;
      if (typeof o === 'string') badOrders.add(o);
      return;
    }
    const { identity } = eventIdentity(e);
    if (seen.has(identity)) {
      duplicates++;
      return;
    }
    seen.add(identity);
    fresh.push({ event: e, index });
  });

  const byOrder = new Map<string, FreshEvent[]>();
  for (const f of fresh) {
    let l = byOrder.get(f.event.order);
    if (!l) byOrder.set(f.event.order, (l = []));
    l.push(f);
  }
  const priorByOrder = new Map<string, LifecycleEvent[]>();
  for (const e of prior) {
    let l = priorByOrder.get(e.order);
    if (!l) priorByOrder.set(e.order, (l = []));
    l.push(e);
  }
  const orderById = new Map(orders.map((o) => [o.id, o]));
  const fulfillerAt = new Map<number, string>();
  for (const [orderId, own] of byOrder) {
    const order = orderById.get(orderId);
    if (!order || badOrders.has(orderId)) continue;
    const r = checkOrderEvents(order, priorByOrder.get(orderId) ?? [], own);
    issues.push(...r.issues);
    for (const [i, loc] of r.fulfillerAt) fulfillerAt.set(i, loc);
  }

  if (issues.length > 0) {
    const unique = dedupe(issues);
    // Returns beyond the quantity sold are found by both checks; alone they are a contradiction.
    const structural = unique.some((i) => !CONTRADICTIONS.has(i.code));
    throw new ApiError(
      structural ? 'invalid_events' : 'event_contradiction',
      structural
        ? `the events have ${unique.length} problem(s); nothing was stored`
        : `${unique.length} event(s) contradict the state of their line; nothing was stored`,
      unique,
    );
  }

  if (scope && !scope.networkWide) checkScope(db, scope, fresh, orderById, fulfillerAt);
  return { raw, fresh, duplicates, byOrder };
}

/** Validates and stores lifecycle events (see the top of this file). Runs in the caller's transaction. */
export function intakeEvents(db: Db, input: Input, opts: IntakeOptions): IntakeResult {
  if (!db.inTransaction) return db.transaction(() => intakeEvents(db, input, opts)).immediate();
  const { raw, fresh, duplicates, byOrder } = checkEvents(db, input, opts.scope ?? null);

  const counts = { added: 0, unchanged: 0 };
  const conflicts: Issue[] = [];
  const now = opts.now.toISOString();
  // importEvents keys an event by its id or its content hash; duplicates were removed above.
  importEvents(db, fresh.map((f) => f.event), now, opts.source, counts, (path, code, message) => conflicts.push({ path, code, message }));
  if (conflicts.length > 0) throw new ApiError('invalid_events', `${conflicts.length} event(s) conflict with stored events; nothing was stored`, conflicts);
  const keys = lastEventKeys(db, counts.added);

  const touched = [...byOrder.keys()].sort();
  const settled = settleStoredOrders(db, { orderIds: touched, now: opts.now, reason: `events:${opts.source}` });
  const routing = syncRouting(db, touched, opts.now, { actor: opts.actor, source: opts.source, notes: opts.notes });
  return {
    received: raw.length, added: counts.added, unchanged: duplicates, orders: touched, keys,
    settled: { orders: settled.settled, revised: settled.revised }, routing,
  };
}

/** Codes of `checkOrderEvents`: the events are well formed but do not fit their line's state. */
const CONTRADICTIONS = new Set([
  'event_before_order', 'in_store_line', 'cancelled_line', 'returned_line', 'not_current_fulfiller', 'already_fulfilled',
  'timeout_after_acceptance', 'already_shipped', 'already_delivered', 'return_before_fulfilment', 'return_exceeds_sold', 'contradicts_stored_event',
]);

function dedupe(issues: Issue[]): Issue[] {
  const seen = new Set<string>();
  const out: Issue[] = [];
  for (const i of issues) {
    const k = `${i.path}\u0000${i.code}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(i);
  }
  return out.sort((a, b) => pathIndex(a.path) - pathIndex(b.path));
}

const pathIndex = (p: string) => {
  const m = /^events\[(\d+)\]/.exec(p);
  return m ? Number(m[1]) : -1;
};

/**
 * A store manager submits events of its own locations only: decisions on requests offered to
 * them, shipments and deliveries of lines they fulfil, collections at their pickup counter,
 * returns received there. Cancelling a line is head office's (customer service) decision.
 */
function checkScope(db: Db, scope: Scope, fresh: readonly FreshEvent[], orders: ReadonlyMap<string, Order>, fulfillerAt: ReadonlyMap<number, string>): void {
  const places = locationParties(db);
  const mine = (loc: string | null | undefined) => {
    const p = loc ? places.get(loc) : undefined;
    return p !== undefined && (scope.canSee(p.entity) || scope.canSee(p.operator));
  };
  const issues: Issue[] = [];
  for (const { event: e, index } of fresh) {
    const line = orders.get(e.order)?.lines.find((l) => l.id === e.line);
    const fulfiller = fulfillerAt.get(index);
    let ok: boolean;
    switch (e.type) {
      case 'fulfilment_accepted':
      case 'fulfilment_refused':
        ok = mine(e.location);
        break;
      case 'line_shipped':
      case 'line_delivered':
        ok = mine(fulfiller);
        break;
      case 'line_collected':
        ok = mine(line?.pickup_location) || mine(fulfiller);
        break;
      case 'line_returned':
        ok = e.location ? mine(e.location) : mine(fulfiller);
        break;
      case 'line_cancelled':
        ok = false;
        break;
    }
    if (!ok) issues.push({ path: `events[${index}]`, code: 'forbidden', message: `${e.type} of line ${e.line} of order ${e.order} is not an event of a location in your scope` });
  }
  if (issues.length > 0) throw new ApiError('forbidden', `${issues.length} event(s) concern locations outside your scope; nothing was stored`, issues);
}
