// Routing as an operation (docs/spec.md section 7): the scheduler tick that offers new lines and turns
// missed deadlines into `timeout` refusals, and the routing history head office reads. The tick
// is called by the desktop app on a timer, by `ventil route --tick`, and by tests with a frozen
// clock; it is idempotent (a second tick at the same moment does nothing).
import { z } from 'zod';
import { isoUtc, toMs } from '../domain/time.js';
import type { LifecycleEvent } from '../domain/scenario.js';
import { contentHash } from '../store/hash.js';
import { orderExists, orderParties } from '../store/orders-repo.js';
import {
  historyOfOrder, locationParties, offersOfOrders, openOffersDueBy, ordersToRoute, readCursor, routingHighWater, writeCursor, type OfferRow,
} from '../store/routing-repo.js';
import type { Db } from '../store/db.js';
import { intakeQuiet } from '../store/dialect.js';
import { notFound } from './errors.js';
import { intakeEvents } from './event-intake.js';
import { ALL_ROLES, HEAD_OFFICE_WRITERS, defineHandler } from './handler.js';
import { syncRouting } from './routing-sync.js';
import { errorFields, logger } from '../log/logger.js';
import { isReplica } from '../replication/installation.js';

const routingLog = logger('routing');
/** How long a tick waits for writers of orders and events in flight on PostgreSQL before deferring. */
const INTAKE_WAIT_MS = 2000;

export interface TickResult {
  at: string;
  /** Orders whose offers were reconciled (new orders, orders with new events). */
  synced: number;
  offered: number;
  closed: number;
  timed_out: number;
  cancelled: number;
  /** Timeouts that could not be written (the offer stays open; reported, not thrown). */
  failures: { offer: number; order: string; line: string; location: string; error: { code: string; message: string } }[];
  /**
   * Set when the tick did nothing because orders or events were being written by another hub
   * process on PostgreSQL (an import in flight): its cursors could pass numbers not yet
   * committed. The next tick does the work.
   */
  deferred?: true;
}

/** The id of the timeout refusal of an offer: stable, so a repeated tick cannot write it twice. */
export function timeoutEventId(o: Pick<OfferRow, 'order_id' | 'line_id' | 'location'>): string {
  const plain = `routing-timeout:${o.order_id}:${o.line_id}:${o.location}`;
  return plain.length <= 128 && !/\s/.test(plain) ? plain : `routing-timeout:${contentHash([o.order_id, o.line_id, o.location]).slice(0, 48)}`;
}

/**
 * One scheduler step at `now`: offers the lines of orders received or changed since the last
 * tick, then writes a `fulfilment_refused` (reason `timeout`, at the deadline) for every open
 * offer past its deadline, through the event intake, which reroutes the line to the next
 * candidate not yet refused or, with none left, leaves it cancelled (refund in its settlement).
 */
export function routingTick(db: Db, now: Date, opts: { actor?: string } = {}): TickResult {
  const actor = opts.actor ?? 'routing';
  return db.transaction((): TickResult => {
    const nowMs = now.getTime();
    const result: TickResult = { at: isoUtc(nowMs), synced: 0, offered: 0, closed: 0, timed_out: 0, cancelled: 0, failures: [] };
    // First, so that every order and event this tick reads is committed (dialect.ts, intakeWriting).
    if (!intakeQuiet(db, INTAKE_WAIT_MS)) return { ...result, deferred: true };
    const add = (r: { offered: number; closed: number; cancelled: number }) => {
      result.offered += r.offered;
      result.closed += r.closed;
      result.cancelled += r.cancelled;
    };
    const toRoute = ordersToRoute(db, readCursor(db, 'orders'), readCursor(db, 'events'));
    result.synced = toRoute.orders.length;
    add(syncRouting(db, toRoute.orders, now, { actor, source: 'routing' }));

    const due = openOffersDueBy(db, isoUtc(nowMs + 1000)).filter((o) => toMs(o.deadline_at) <= nowMs);
    const timeout = (o: OfferRow): LifecycleEvent => ({
      type: 'fulfilment_refused', id: timeoutEventId(o), order: o.order_id, line: o.line_id, location: o.location, reason: 'timeout', at: o.deadline_at,
    });
    const submit = (offers: OfferRow[]) => db.transaction(() => intakeEvents(db, { events: offers.map(timeout) }, { now, source: 'routing', actor })).immediate();
    if (due.length > 0) {
      try {
        const r = submit(due);
        result.timed_out += r.added;
        add(r.routing);
      } catch {
        // One bad offer must not hold up the others: retry them one by one, keep what works.
        for (const o of due) {
          try {
            const r = submit([o]);
            result.timed_out += r.added;
            add(r.routing);
          } catch (e) {
            const err = errorValue(e);
            result.failures.push({ offer: o.id, order: o.order_id, line: o.line_id, location: o.location, error: { code: err.code, message: err.message } });
          }
        }
      }
    }
    const { maxOrder, maxEvent } = routingHighWater(db);
    writeCursor(db, 'orders', Math.max(toRoute.maxOrder, maxOrder));
    writeCursor(db, 'events', Math.max(toRoute.maxEvent, maxEvent));
    return result;
  }).immediate();
}

/**
 * Runs `routingTick` every `intervalMs` (default one minute) until `stop()`: what the desktop app
 * and `ventil serve` call once the database is open. The timer does not keep the process alive;
 * a failing tick is reported to `onError` and the next one runs anyway.
 */
export function startRoutingTimer(db: Db, opts: { intervalMs?: number; now?: () => Date; onError?: (e: unknown) => void; onTick?: (r: TickResult) => void } = {}): { stop(): void } {
  const now = opts.now ?? (() => new Date());
  const tick = () => {
    try {
      // A replica's routing is the hub's: its offers and timeouts come with the pulls.
      if (isReplica(db)) return;
      const r = routingTick(db, now());
      logTick(r);
      opts.onTick?.(r);
    } catch (e) {
      routingLog.error('routing tick failed', errorFields(e));
      opts.onError?.(e);
    }
  };
  const timer = setInterval(tick, opts.intervalMs ?? 60_000);
  timer.unref?.();
  tick();
  return { stop: () => clearInterval(timer) };
}

/** What a store PC's scheduler did, for the log (docs/it-deployment.md "Logs"). */
function logTick(r: TickResult): void {
  if (r.deferred) routingLog.info('deferred: orders or events are being written by another hub process');
  if (r.offered + r.closed + r.timed_out + r.cancelled > 0) {
    routingLog.info(`${r.offered} offered, ${r.timed_out} timed out, ${r.closed} closed, ${r.cancelled} line(s) cancelled`, { synced: r.synced });
  }
  for (const f of r.failures) routingLog.warn(`could not time out offer ${f.offer} (${f.order}/${f.line} at ${f.location})`, { error: f.error });
}

function errorValue(e: unknown): { code: string; message: string } {
  const err = e as { code?: unknown; message?: string } | null;
  return { code: typeof err?.code === 'string' ? err.code : 'internal', message: err?.message ?? String(e) };
}

export const routingHandlers = {
  'routing.tick': defineHandler({
    summary: 'Run the routing scheduler now: offer new lines, time out missed deadlines (reroute or cancel)',
    input: z.object({}).strict(),
    roles: HEAD_OFFICE_WRITERS,
    mutates: true,
    run: (ctx) => routingTick(ctx.db, ctx.now(), { actor: ctx.principal.userId }),
  }),

  'routing.history': defineHandler({
    summary: 'Who was offered which line of an order, when, and what came of it (accepted, refused, timed out, reason)',
    input: z.object({ order: z.string().min(1) }).strict(),
    roles: ALL_ROLES,
    mutates: false,
    run: (ctx, input) => {
      if (!orderExists(ctx.db, input.order)) throw notFound('order', input.order);
      const visible = ctx.scope.visibleParties(orderParties(ctx.db, input.order), `order ${input.order}`);
      const places = locationParties(ctx.db);
      const sees = (loc: string | null) => {
        if (visible === null || loc === null) return true;
        const p = places.get(loc);
        return p !== undefined && (visible.has(p.entity) || visible.has(p.operator));
      };
      const offers = offersOfOrders(ctx.db, [input.order]).filter((o) => sees(o.location)).map((o) => ({
        id: o.id, line: o.line_id, location: o.location, entity: o.entity, operator: o.operator, offered_at: o.offered_at, deadline_at: o.deadline_at,
        status: o.status, closed_at: o.closed_at, reason: o.reason, note: o.note, closed_by: o.closed_by, event_key: o.event_key,
      }));
      const history = historyOfOrder(ctx.db, input.order).filter((h) => sees(h.location)).map((h) => ({
        seq: h.seq, line: h.line_id, offer: h.offer_id, location: h.location, action: h.action, at: h.at, deadline_at: h.deadline_at,
        reason: h.reason, note: h.note, actor: h.actor, source: h.source, event_key: h.event_key, recorded_at: h.recorded_at,
      }));
      return { order: input.order, offers, history };
    },
  }),
};
