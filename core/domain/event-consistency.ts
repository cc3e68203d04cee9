// Whether new lifecycle events fit the history already stored for their order (docs/spec.md section
// 7). The engine is lenient: an event that makes no sense in a line's state is ignored with a
// warning. Event intake is strict: such an event is refused, with a named error, before anything
// is stored. The check replays stored and new events together in time order (same instant:
// stored first, then the new ones in input order, exactly as the engine will apply them), so a
// late arrival is judged where it falls in the history, not at the end of it; and a new event
// that would make an already stored one impossible (a shipment dated before a stored
// cancellation) is refused too. The transitions mirror `runLifecycle`, so an accepted history
// settles to the states computed here.
import { eventIdentity } from './event-identity.js';
import type { Issue, LifecycleEvent, Order } from './scenario.js';
import type { LineStatus } from './settlement-types.js';
import { toMs } from './time.js';

/** A submitted event, with its position in the submitted list (for the issue's path). */
export interface FreshEvent {
  event: LifecycleEvent;
  index: number;
}

export interface ConsistencyResult {
  issues: Issue[];
  /** For each accepted fresh event (by index): the line's fulfiller when the event applies. */
  fulfillerAt: Map<number, string>;
}

const RANK: Record<LineStatus, number> = { pending: 0, accepted: 1, shipped: 2, delivered: 3, collected: 3, fulfilled: 3, returned: 4, cancelled: 5 };

interface State {
  status: LineStatus;
  fulfiller: number;
  refused: Set<string>;
  returned: number;
  /** The event that made the line cancelled or returned (for messages). */
  closedBy: string | null;
}

interface Entry {
  e: LifecycleEvent;
  ms: number;
  /** Index in the submitted list; null for a stored event. */
  fresh: number | null;
}

interface Violation { code: string; message: string; field?: string }

const describe = (e: LifecycleEvent) =>
  e.type === 'fulfilment_refused' ? `fulfilment_refused (${e.reason}) by ${e.location} at ${e.at}`
    : e.type === 'fulfilment_accepted' ? `fulfilment_accepted by ${e.location} at ${e.at}`
      : e.type === 'line_returned' ? `line_returned of ${e.quantity} at ${e.at}`
        : `${e.type} at ${e.at}`;

function violation(order: Order, line: Order['lines'][number], s: State, e: LifecycleEvent): Violation | null {
  const where = `line ${JSON.stringify(line.id)} of order ${JSON.stringify(order.id)}`;
  if (line.delivery_mode === 'in_store' && e.type !== 'line_returned') {
    return { code: 'in_store_line', message: `${where} is an in-store sale, fulfilled at the till; only returns apply to it, not ${e.type}` };
  }
  if (s.status === 'cancelled') return { code: 'cancelled_line', message: `${where} was cancelled (${s.closedBy}); it takes no ${e.type}` };
  if (s.status === 'returned') {
    if (e.type === 'line_returned') return { code: 'return_exceeds_sold', field: 'quantity', message: `every unit of ${where} was already returned (${s.closedBy})` };
    return { code: 'returned_line', message: `every unit of ${where} was returned (${s.closedBy}); it takes no ${e.type}` };
  }
  const rank = RANK[s.status];
  const current = line.candidates[s.fulfiller];
  switch (e.type) {
    case 'fulfilment_accepted':
      if (e.location !== current) {
        const before = s.refused.has(e.location) ? `; ${e.location} refused it before` : '';
        return { code: 'not_current_fulfiller', field: 'location', message: `${where} is offered to ${current}, not to ${e.location}${before}` };
      }
      return null;
    case 'fulfilment_refused':
      if (rank >= 2) return { code: 'already_fulfilled', message: `${where} is already ${s.status}; a fulfilled line is returned, not refused` };
      if (e.reason === 'timeout' && e.location === current && s.status === 'accepted') {
        return { code: 'timeout_after_acceptance', message: `${where} was accepted by ${current}; its offer cannot time out` };
      }
      return null;
    case 'line_shipped':
      return rank >= 2 ? { code: 'already_shipped', message: `${where} is already ${s.status}` } : null;
    case 'line_delivered':
    case 'line_collected':
      return rank >= 3 ? { code: 'already_delivered', message: `${where} is already ${s.status}` } : null;
    case 'line_cancelled':
      return rank >= 2 ? { code: 'already_fulfilled', message: `${where} is already ${s.status}; a fulfilled line is returned, not cancelled` } : null;
    case 'line_returned':
      if (rank < 2) return { code: 'return_before_fulfilment', message: `${where} is ${s.status}: nothing was shipped or handed over yet, so nothing can be returned` };
      if (s.returned + e.quantity > line.quantity) {
        return { code: 'return_exceeds_sold', field: 'quantity', message: `returns of ${where} would add up to ${s.returned + e.quantity} units; ${line.quantity} were sold and ${s.returned} already returned` };
      }
      return null;
  }
}

function apply(line: Order['lines'][number], s: State, e: LifecycleEvent): void {
  switch (e.type) {
    case 'fulfilment_accepted':
      if (s.status === 'pending') s.status = 'accepted';
      break;
    case 'fulfilment_refused': {
      s.refused.add(e.location);
      if (e.location !== line.candidates[s.fulfiller]) break;
      const next = line.candidates.findIndex((c) => !s.refused.has(c));
      if (next >= 0) {
        s.fulfiller = next;
        s.status = 'pending';
      } else {
        s.status = 'cancelled';
        s.closedBy = `no candidate left after ${describe(e)}`;
      }
      break;
    }
    case 'line_shipped':
      s.status = 'shipped';
      break;
    case 'line_delivered':
      s.status = 'delivered';
      break;
    case 'line_collected':
      s.status = 'collected';
      break;
    case 'line_cancelled':
      s.status = 'cancelled';
      s.closedBy = describe(e);
      break;
    case 'line_returned':
      s.returned += e.quantity;
      if (s.returned === line.quantity) {
        s.status = 'returned';
        s.closedBy = describe(e);
      }
      break;
  }
}

/**
 * Checks the fresh events of one order against its stored events. `fresh` must already be
 * free of duplicates (of each other and of stored events: those are applied once, nothing to
 * check). Events naming unknown lines are skipped (`validateEvents` reports them).
 */
export function checkOrderEvents(order: Order, stored: readonly LifecycleEvent[], fresh: readonly FreshEvent[], prefix = 'events'): ConsistencyResult {
  const issues: Issue[] = [];
  const fulfillerAt = new Map<number, string>();
  const createdMs = toMs(order.created_at);
  const entries: Entry[] = [];
  const seen = new Set<string>();
  for (const e of stored) {
    if (e.order !== order.id) continue;
    const { identity } = eventIdentity(e);
    if (seen.has(identity)) continue;
    seen.add(identity);
    entries.push({ e, ms: toMs(e.at), fresh: null });
  }
  for (const f of fresh) {
    const ms = toMs(f.event.at);
    if (ms < createdMs) {
      issues.push({ path: `${prefix}[${f.index}].at`, code: 'event_before_order', message: `${f.event.type} at ${f.event.at} is before order ${JSON.stringify(order.id)} was created (${order.created_at})` });
      continue;
    }
    entries.push({ e: f.event, ms, fresh: f.index });
  }
  entries.sort((a, b) => a.ms - b.ms); // stable: same instant keeps stored-then-input order

  const lines = new Map(order.lines.map((l) => [l.id, l]));
  const states = new Map<string, State>();
  const lastFresh = new Map<string, Entry>();
  const blamed = new Set<number>();
  for (const entry of entries) {
    const line = lines.get(entry.e.line);
    if (!line) continue;
    let s = states.get(line.id);
    if (!s) {
      s = { status: line.delivery_mode === 'in_store' ? 'fulfilled' : 'pending', fulfiller: 0, refused: new Set(), returned: 0, closedBy: null };
      states.set(line.id, s);
    }
    const v = violation(order, line, s, entry.e);
    if (v === null) {
      if (entry.fresh !== null) {
        fulfillerAt.set(entry.fresh, line.candidates[s.fulfiller]);
        lastFresh.set(line.id, entry);
      }
      apply(line, s, entry.e);
      continue;
    }
    if (entry.fresh !== null) {
      issues.push({ path: `${prefix}[${entry.fresh}]${v.field ? `.${v.field}` : ''}`, code: v.code, message: `${describe(entry.e)}: ${v.message}` });
      continue;
    }
    // A stored event that no longer fits: the latest new event of the line before it is the cause.
    // (A stored history that was inconsistent on its own, e.g. imported with a scenario, is not
    // the new events' fault: the engine ignores such an event, and so does this replay.)
    const culprit = lastFresh.get(line.id);
    if (culprit && culprit.fresh !== null && !blamed.has(culprit.fresh)) {
      blamed.add(culprit.fresh);
      issues.push({
        path: `${prefix}[${culprit.fresh}]`,
        code: 'contradicts_stored_event',
        message: `${describe(culprit.e)} would come before the stored ${describe(entry.e)}, which would then be impossible: ${v.message}`,
      });
    }
  }
  return { issues, fulfillerAt };
}
