// Keeps the routing offers in step with the lines' lifecycle. After every event intake (and on
// each scheduler tick) the offers of the touched orders are reconciled with what the events say:
// a line still pending is offered to its current fulfiller (one open offer per line, with a
// deadline of `offer_deadline_hours`); an open offer whose line moved on is closed as accepted,
// refused, timed out or withdrawn; a line cancelled while routed is recorded as such. Deriving
// offers from the events, instead of patching them event by event, keeps them right when events
// arrive late or out of order. Every change is a row of routing_history.
import { runLifecycle } from '../domain/lifecycle.js';
import type { LifecycleEvent } from '../domain/scenario.js';
import { isoUtc, toMs } from '../domain/time.js';
import {
  appendHistory, cancelledInHistory, closeOffer, eventRowsOfOrders, insertOffer, locationParties, offerDeadlineHours, offersOfOrders,
  type OfferRow,
} from '../store/routing-repo.js';
import { loadOrders } from '../store/scenario-repo.js';
import type { OfferStatus } from '../store/schema.js';
import type { Db } from '../store/db.js';

export interface RoutingActor {
  /** Who caused the change (user id, 'routing', 'system'). */
  actor: string;
  /** Where the change came from ('inbox', 'routing', 'api', 'file', ...). */
  source: string;
  /** Notes given with refusals, by `order \0 line \0 location`. */
  notes?: ReadonlyMap<string, string>;
}

export interface SyncResult { offered: number; closed: number; cancelled: number }

export const noteKey = (order: string, line: string, location: string) => `${order}\u0000${line}\u0000${location}`;

const RANK: Record<string, number> = { pending: 0, accepted: 1, shipped: 2, delivered: 3, collected: 3, fulfilled: 3, returned: 4, cancelled: 5 };
const HOUR_MS = 3_600_000;

interface StoredEvent { e: LifecycleEvent; ms: number; key: string; source: string }

/** Reconciles the routing offers of some orders with their stored events. */
export function syncRouting(db: Db, orderIds: readonly string[], now: Date, who: RoutingActor): SyncResult {
  const result: SyncResult = { offered: 0, closed: 0, cancelled: 0 };
  if (orderIds.length === 0) return result;
  const ids = [...new Set(orderIds)].sort();
  const nowMs = now.getTime();
  const recordedAt = isoUtc(nowMs);
  const deadlineMs = Math.round(offerDeadlineHours(db) * HOUR_MS);
  const locations = locationParties(db);

  for (let start = 0; start < ids.length; start += 1000) {
    const slice = ids.slice(start, start + 1000);
    const orders = loadOrders(db, slice);
    const events = new Map<string, StoredEvent[]>();
    for (const r of eventRowsOfOrders(db, slice)) {
      const e = JSON.parse(r.payload_json) as LifecycleEvent;
      let list = events.get(r.order_id);
      if (!list) events.set(r.order_id, (list = []));
      list.push({ e, ms: toMs(e.at), key: r.event_key, source: r.source });
    }
    const open = new Map<string, OfferRow>();
    const offered = new Set<string>();
    for (const o of offersOfOrders(db, slice)) {
      const k = `${o.order_id}\u0000${o.line_id}`;
      offered.add(k);
      if (o.status === 'open') open.set(k, o);
    }
    const cancelledBefore = cancelledInHistory(db, slice);

    for (const order of orders) {
      const own = events.get(order.id) ?? [];
      const createdMs = toMs(order.created_at);
      const states = runLifecycle(order, own.map((x) => x.e), createdMs, Number.POSITIVE_INFINITY, []);
      // The line's events in the order the engine applies them (time, then reception).
      const timed = [...own].sort((a, b) => a.ms - b.ms);
      order.lines.forEach((line, i) => {
        if (line.delivery_mode === 'in_store') return;
        const s = states[i]!;
        const k = `${order.id}\u0000${line.id}`;
        const lineEvents = timed.filter((x) => x.e.line === line.id);
        const current = line.candidates[s.fulfiller]!;
        const wantOpen = s.status === 'pending';
        const was = open.get(k);
        if (was && (!wantOpen || was.location !== current)) {
          const out = outcome(was, lineEvents, s.status, current, recordedAt);
          const note = out.status === 'refused' ? (who.notes?.get(noteKey(order.id, line.id, was.location)) ?? null) : null;
          const fromThisCall = out.source === null || out.source === who.source;
          closeOffer(db, was.id, { status: out.status, closed_at: out.at, reason: out.reason, note, closed_by: fromThisCall ? who.actor : out.source!, event_key: out.key });
          appendHistory(db, {
            order_id: order.id, line_id: line.id, offer_id: was.id, location: was.location, action: out.status, at: out.at, deadline_at: was.deadline_at,
            reason: out.reason, note, actor: fromThisCall ? who.actor : out.source!, source: out.source ?? who.source, event_key: out.key, recorded_at: recordedAt,
          });
          result.closed++;
        }
        if (wantOpen && (!was || was.location !== current)) {
          const place = locations.get(current);
          if (!place) throw new Error(`location ${current} of line ${line.id} of order ${order.id} is not in the network`);
          let fromMs = Math.max(nowMs, createdMs);
          for (const x of lineEvents) fromMs = Math.max(fromMs, x.ms);
          const offeredAt = isoUtc(fromMs);
          const deadlineAt = isoUtc(fromMs + deadlineMs);
          const id = insertOffer(db, { order_id: order.id, line_id: line.id, location: current, entity: place.entity, operator: place.operator, offered_at: offeredAt, deadline_at: deadlineAt });
          appendHistory(db, {
            order_id: order.id, line_id: line.id, offer_id: id, location: current, action: 'offered', at: offeredAt, deadline_at: deadlineAt,
            reason: was ? 'rerouted' : null, note: null, actor: who.actor, source: who.source, event_key: null, recorded_at: recordedAt,
          });
          offered.add(k);
          result.offered++;
        }
        if (s.status === 'cancelled' && offered.has(k) && !cancelledBefore.has(k)) {
          const cancel = [...lineEvents].reverse().find((x) => x.e.type === 'line_cancelled');
          const last = cancel ?? [...lineEvents].reverse().find((x) => x.e.type === 'fulfilment_refused');
          appendHistory(db, {
            order_id: order.id, line_id: line.id, offer_id: null, location: cancel ? null : current, action: 'cancelled', at: s.cancelledAt ?? last?.e.at ?? recordedAt,
            deadline_at: null, reason: cancel ? 'line_cancelled' : 'no_candidate_left', note: null,
            actor: last && last.source !== who.source ? last.source : who.actor, source: last?.source ?? who.source, event_key: last?.key ?? null, recorded_at: recordedAt,
          });
          cancelledBefore.add(k);
          result.cancelled++;
        }
      });
    }
  }
  return result;
}

interface Outcome { status: Exclude<OfferStatus, 'open'>; at: string; reason: string | null; key: string | null; source: string | null }

/** How an open offer ended, from the line's events (latest decision of its location first). */
function outcome(offer: OfferRow, lineEvents: readonly StoredEvent[], status: string, current: string, now: string): Outcome {
  for (let i = lineEvents.length - 1; i >= 0; i--) {
    const x = lineEvents[i]!;
    if (x.e.type === 'fulfilment_refused' && x.e.location === offer.location) {
      return { status: x.e.reason === 'timeout' ? 'timed_out' : 'refused', at: x.e.at, reason: x.e.reason, key: x.key, source: x.source };
    }
    if (x.e.type === 'fulfilment_accepted' && x.e.location === offer.location) {
      return { status: 'accepted', at: x.e.at, reason: null, key: x.key, source: x.source };
    }
  }
  if (status === 'cancelled') {
    const cancel = [...lineEvents].reverse().find((x) => x.e.type === 'line_cancelled');
    return { status: 'withdrawn', at: cancel?.e.at ?? now, reason: 'line_cancelled', key: cancel?.key ?? null, source: cancel?.source ?? null };
  }
  if ((RANK[status] ?? 0) >= 2 && current === offer.location) {
    const done = lineEvents.find((x) => x.e.type === 'line_shipped' || x.e.type === 'line_delivered' || x.e.type === 'line_collected');
    return { status: 'accepted', at: done?.e.at ?? offer.offered_at, reason: 'fulfilled_without_acceptance', key: done?.key ?? null, source: done?.source ?? null };
  }
  return { status: 'withdrawn', at: now, reason: 'rerouted', key: null, source: null };
}
