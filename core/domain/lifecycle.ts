// The life of an order's lines up to a moment (docs/spec.md section 7): events applied in time order
// (same instant: input order), each distinct event once (identity = `id`, else content).
// Refusals reroute a line to the next candidate not refused; with no candidate left the line is
// cancelled and keeps its current fulfiller. Events that make no sense in the line's state are
// ignored and reported as warnings, never silently.
import { eventIdentity, sameContent } from './event-identity.js';
import { toMs } from './time.js';
import type { LifecycleEvent, Order } from './scenario.js';
import type { LineStatus, ReturnStep, Warning } from './settlement-types.js';

export interface LineState {
  status: LineStatus;
  /** Index of the current (final) fulfiller in the line's candidates. */
  fulfiller: number;
  refused: string[];
  /** Units returned by `line_returned` events. */
  returned: number;
  cancelled: boolean;
  cancelledAt: string | null;
  /** Delivery, collection, or (in store) the sale: when the return window starts. NaN if none. */
  releaseFromMs: number;
  returnSteps: ReturnStep[];
}

// pending 0, accepted 1, shipped 2 (fulfilled from then on), delivered/collected/fulfilled 3
const RANK: Record<LineStatus, number> = { pending: 0, accepted: 1, shipped: 2, delivered: 3, collected: 3, fulfilled: 3, returned: 4, cancelled: 5 };

const NO_STEPS = Object.freeze([]) as unknown as ReturnStep[];
const NO_REFUSALS = Object.freeze([]) as unknown as string[];

export interface TimedEvent {
  e: LifecycleEvent;
  ms: number;
}

/**
 * An order's events ready to apply: its own, up to `asOfMs`, each distinct event once (the first
 * occurrence in input order), sorted by time; the sort is stable, so the same instant keeps
 * input order.
 */
export function orderedEvents(order: Order, events: readonly LifecycleEvent[], asOfMs: number): TimedEvent[] {
  const out: TimedEvent[] = [];
  let ids: Set<string> | null = null;
  let contents: Set<string> | null = null;
  for (const e of events) {
    if (e.order !== order.id) continue;
    const ms = toMs(e.at);
    if (!(ms <= asOfMs)) continue;
    if (e.id !== undefined) {
      ids ??= new Set();
      if (ids.has(e.id)) continue;
      ids.add(e.id);
    } else if (out.length < 64) {
      // Few events (the usual case): compare fields directly, no key strings.
      let dup = false;
      for (let j = 0; j < out.length; j++) {
        const o = out[j];
        if (o.e.id === undefined && sameContent(o.e, o.ms, e, ms)) {
          dup = true;
          break;
        }
      }
      if (dup) continue;
    } else {
      if (contents === null) {
        contents = new Set();
        for (const o of out) if (o.e.id === undefined) contents.add(eventIdentity(o.e).identity);
      }
      const key = eventIdentity(e).identity;
      if (contents.has(key)) continue;
      contents.add(key);
    }
    out.push({ e, ms });
  }
  if (out.length > 1) out.sort((a, b) => a.ms - b.ms);
  return out;
}

export function runLifecycle(order: Order, events: readonly LifecycleEvent[], createdMs: number, asOfMs: number, warnings: Warning[]): LineState[] {
  const lines = order.lines;
  const states: LineState[] = lines.map((l) => {
    const inStore = l.delivery_mode === 'in_store';
    return {
      status: inStore ? 'fulfilled' : 'pending',
      fulfiller: 0,
      refused: NO_REFUSALS,
      returned: 0,
      cancelled: false,
      cancelledAt: null,
      releaseFromMs: inStore ? createdMs : NaN,
      returnSteps: NO_STEPS,
    };
  });
  if (events.length === 0) return states;
  let index: Map<string, number> | null = null;
  if (lines.length > 8) {
    index = new Map();
    for (let i = 0; i < lines.length; i++) if (!index.has(lines[i].id)) index.set(lines[i].id, i);
  }
  const lineIndex = (id: string): number => {
    if (index !== null) return index.get(id) ?? -1;
    for (let i = 0; i < lines.length; i++) if (lines[i].id === id) return i;
    return -1;
  };
  const warn = (line: string, code: string, message: string) => warnings.push({ code, message, line });

  for (const { e, ms } of orderedEvents(order, events, asOfMs)) {
    const i = lineIndex(e.line);
    if (i < 0) {
      warnings.push({ code: 'event_ignored', message: `${e.type} at ${e.at}: order has no line ${JSON.stringify(e.line)}` });
      continue;
    }
    const s = states[i];
    const line = lines[i];
    const rank = RANK[s.status];
    if (s.status === 'cancelled' || s.status === 'returned') {
      warn(line.id, 'event_ignored', `${e.type} at ${e.at} ignored: the line is already ${s.status}`);
      continue;
    }
    switch (e.type) {
      case 'fulfilment_accepted': {
        const current = line.candidates[s.fulfiller];
        if (e.location === current) {
          if (s.status === 'pending') s.status = 'accepted';
        } else if (rank >= 2) {
          warn(line.id, 'event_ignored', `acceptance by ${e.location} at ${e.at} ignored: the line is already ${s.status} by ${current}`);
        } else if (s.refused.includes(e.location)) {
          warn(line.id, 'event_ignored', `acceptance by ${e.location} at ${e.at} ignored: it refused the line before`);
        } else {
          const k = line.candidates.indexOf(e.location);
          if (k < 0) {
            warn(line.id, 'event_ignored', `acceptance by ${e.location} at ${e.at} ignored: not a candidate`);
          } else {
            warn(line.id, 'fulfiller_changed', `${e.location} accepted the line at ${e.at} while it was offered to ${current}; ${e.location} fulfils it`);
            s.fulfiller = k;
            s.status = 'accepted';
          }
        }
        break;
      }
      case 'fulfilment_refused': {
        if (rank >= 2) {
          warn(line.id, 'event_ignored', `refusal by ${e.location} at ${e.at} ignored: the line is already ${s.status}`);
          break;
        }
        if (s.refused === NO_REFUSALS) s.refused = [];
        if (!s.refused.includes(e.location)) s.refused.push(e.location);
        if (e.location !== line.candidates[s.fulfiller]) break;
        const next = line.candidates.findIndex((c) => !s.refused.includes(c));
        if (next >= 0) {
          s.fulfiller = next;
          s.status = 'pending';
        } else {
          s.status = 'cancelled';
          s.cancelled = true;
          s.cancelledAt = e.at;
        }
        break;
      }
      case 'line_shipped':
        if (rank < 2) s.status = 'shipped';
        break;
      case 'line_delivered':
      case 'line_collected':
        if (rank < 3) {
          s.status = e.type === 'line_delivered' ? 'delivered' : 'collected';
          s.releaseFromMs = ms;
        }
        break;
      case 'line_cancelled':
        if (rank >= 2) {
          warn(line.id, 'event_ignored', `cancellation at ${e.at} ignored: the line is already ${s.status}; a fulfilled line is returned, not cancelled`);
          break;
        }
        s.status = 'cancelled';
        s.cancelled = true;
        s.cancelledAt = e.at;
        break;
      case 'line_returned': {
        const left = line.quantity - s.returned;
        let q = e.quantity;
        if (q > left) {
          warn(line.id, 'return_capped', `return of ${q} units at ${e.at} exceeds the ${left} not yet returned; ${left} applied`);
          q = left;
        }
        if (rank < 2) warn(line.id, 'return_before_fulfilment', `return at ${e.at} of a line not yet fulfilled (status ${s.status}); applied`);
        s.returned += q;
        if (s.returnSteps === NO_STEPS) s.returnSteps = [];
        s.returnSteps.push({ at: e.at, quantity: q });
        if (s.returned === line.quantity) s.status = 'returned';
        break;
      }
    }
  }
  return states;
}
