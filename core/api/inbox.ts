// A store's fulfilment inbox (docs/spec.md section 7): the requests offered to its locations, with
// what to prepare, for whom and by when, and the two answers it can give. An answer is a
// lifecycle event written through the same intake as every other event, so it re-settles the
// order and reroutes the line in the same transaction, and shows in `routing.history`.
// A store manager acts for the locations its entities own or operate; head office for any.
import { z } from 'zod';
import type { LifecycleEvent } from '../domain/scenario.js';
import { isoUtc, toMs } from '../domain/time.js';
import { getOffer, inboxCounts, listInbox, locationParties, markInboxRead, offersInScope, openOffer, type InboxRow } from '../store/routing-repo.js';
import { ApiError, forbidden, notFound } from './errors.js';
import { intakeEvents } from './event-intake.js';
import { ALL_ROLES, defineHandler, type ApiContext } from './handler.js';
import { noteKey } from './routing-sync.js';
import { INBOX_REFUSAL_REASONS } from '../../common/vocabulary.js';
import { pendingInboxDecisions } from '../store/replica-repo.js';
import { currentLineState, orderLineExists } from '../store/orders-repo.js';

/** Throws unless the caller may act for (or read) the location. */
function assertLocation(ctx: ApiContext, location: string): { entity: string; operator: string } {
  const place = locationParties(ctx.db).get(location);
  if (!place) throw notFound('location', location);
  if (!ctx.scope.canSee(place.entity) && !ctx.scope.canSee(place.operator)) {
    throw forbidden(`location ${JSON.stringify(location)} belongs to an entity outside your scope`);
  }
  return place;
}

function view(r: InboxRow, nowMs: number) {
  return {
    offer: r.id,
    order: r.order_id,
    line: r.line_id,
    location: r.location,
    entity: r.entity,
    operator: r.operator,
    items: [{ sku: r.sku, name: r.name, quantity: r.quantity }],
    customer: {
      mode: r.delivery_mode as 'home_delivery' | 'click_and_collect' | 'ship_from_store',
      pickup_location: r.pickup_location,
      pickup_entity: r.pickup_entity,
    },
    channel: r.channel,
    order_created_at: r.order_created_at,
    offered_at: r.offered_at,
    deadline_at: r.deadline_at,
    status: r.status,
    overdue: r.status === 'open' && toMs(r.deadline_at) <= nowMs,
    closed_at: r.closed_at,
    reason: r.reason,
    note: r.note,
    /** The line's value to the customer (TTC, minor units of `currency`). */
    value: r.line_gross,
    currency: r.currency,
    /** Whether the caller has opened it (the unread count in the navigation). */
    read: r.read_at !== null,
  };
}

export type InboxItem = ReturnType<typeof view>;

const Answer = { order: z.string().min(1), line: z.string().min(1), location: z.string().min(1) };

/** Checks that the request is open and offered to this location (also what a replica checks before queueing an answer). */
function checkAnswer(ctx: ApiContext, input: { order: string; line: string; location: string }) {
  const place = assertLocation(ctx, input.location);
  if (!orderLineExists(ctx.db, input.order, input.line)) {
    throw notFound('line', `${input.order}/${input.line}`);
  }
  const offer = openOffer(ctx.db, input.order, input.line);
  if (!offer) {
    throw new ApiError('no_open_request', `line ${input.line} of order ${input.order} has no open request (answered, timed out, or not routed yet)`);
  }
  if (offer.location !== input.location) {
    throw new ApiError('not_current_fulfiller', `line ${input.line} of order ${input.order} is offered to ${offer.location}, not to ${input.location}`,
      [{ path: 'location', code: 'not_current_fulfiller', message: `the request is offered to ${offer.location}` }]);
  }
  return { place, offer };
}

/** On a replica: the same checks, and what the queued answer concerns. */
function answerCommand(verb: string) {
  return {
    check: (ctx: ApiContext, input: { order: string; line: string; location: string }) => {
      const { place } = checkAnswer(ctx, input);
      const pending = ctx.installation.kind === 'replica' ? pendingInboxDecisions(ctx.db, ctx.installation.deviceId) : new Map();
      const already = pending.get(noteKey(input.order, input.line, input.location));
      if (already) throw new ApiError('decision_pending', `this request already has a decision waiting for head office (${already.command})`);
      return { entities: [...new Set([place.entity, place.operator])], summary: `${verb} line ${input.line} of order ${input.order} at ${input.location}` };
    },
  };
}

/** Checks that the request is open and offered to this location, then writes the answer. */
function answer(ctx: ApiContext, input: { order: string; line: string; location: string }, event: LifecycleEvent, note?: string) {
  const { place, offer } = checkAnswer(ctx, input);
  const notes = note ? new Map([[noteKey(input.order, input.line, input.location), note]]) : undefined;
  const r = intakeEvents(ctx.db, { events: [event] }, { now: ctx.now(), source: 'inbox', actor: ctx.principal.userId, scope: ctx.scope, notes });
  ctx.audit({ entities: [...new Set([place.entity, place.operator])], after: { offer: offer.id, event: event.type } });
  const closed = getOffer(ctx.db, offer.id)!;
  const next = openOffer(ctx.db, input.order, input.line) ?? null;
  const line = currentLineState(ctx.db, input.order, input.line);
  return {
    offer: { id: closed.id, status: closed.status, closed_at: closed.closed_at, reason: closed.reason, note: closed.note },
    // The next request of the line after a refusal (head office sees where it went; a store only that it left).
    next: next === null ? null : ctx.scope.networkWide ? { id: next.id, location: next.location, deadline_at: next.deadline_at } : { id: next.id },
    line: line ? { status: line.status, ...(ctx.scope.networkWide ? { fulfiller: line.fulfiller } : {}) } : null,
    event_key: r.keys[0] ?? null,
  };
}

export const inboxHandlers = {
  'inbox.list': defineHandler({
    summary: 'Requests offered to the locations in your scope: order, line, items, customer mode, deadline, status',
    input: z.object({
      location: z.string().optional(),
      entity: z.string().optional(),
      status: z.enum(['open', 'closed', 'all']).default('open'),
      limit: z.number().int().min(1).max(5000).default(200),
      offset: z.number().int().min(0).default(0),
    }).strict(),
    roles: ALL_ROLES,
    mutates: false,
    run: (ctx, input) => {
      if (input.location !== undefined) assertLocation(ctx, input.location);
      if (input.entity !== undefined) ctx.scope.assertEntity(input.entity);
      const scope = ctx.scope.entityList();
      const entities = input.entity !== undefined ? [input.entity] : scope;
      const { total, rows } = listInbox(ctx.db, { entities, location: input.location, status: input.status, limit: input.limit, offset: input.offset, reader: ctx.principal.userId });
      const nowMs = ctx.now().getTime();
      // On a replica, the answers given here and not yet applied by the hub.
      const pending = ctx.installation.kind === 'replica' ? pendingInboxDecisions(ctx.db, ctx.installation.deviceId) : null;
      return {
        at: isoUtc(nowMs), total, ...inboxCounts(ctx.db, entities, ctx.principal.userId),
        requests: rows.map((r) => ({ ...view(r, nowMs), pending_decision: pending?.get(noteKey(r.order_id, r.line_id, r.location)) ?? null })),
      };
    },
  }),

  'inbox.unread': defineHandler({
    summary: 'Open requests of the locations in your scope, how many you have not opened yet, and the next deadline (the navigation\'s count)',
    input: z.object({}).strict(),
    roles: ALL_ROLES,
    mutates: false,
    run: (ctx) => ({ at: isoUtc(ctx.now().getTime()), ...inboxCounts(ctx.db, ctx.scope.entityList(), ctx.principal.userId) }),
  }),

  'inbox.markRead': defineHandler({
    summary: 'Mark requests as opened by you (they no longer count as unread); requests outside your scope are refused',
    input: z.object({ offers: z.array(z.number().int().positive()).min(1).max(5000) }).strict(),
    // Auditors read the inbox but do not work it: a read mark is a worker's state.
    roles: ['admin', 'finance', 'controller', 'store_manager'],
    mutates: true,
    run: (ctx, input) => {
      const ids = [...new Set(input.offers)];
      const scope = ctx.scope.entityList();
      const visible = new Set(offersInScope(ctx.db, ids, scope));
      const outside = ids.filter((id) => !visible.has(id));
      if (outside.length > 0 && scope === null) throw notFound('request', outside.slice(0, 10).join(', '));
      // A scoped caller gets one answer for a request outside the scope and one that does not exist.
      if (outside.length > 0) throw forbidden(`request(s) ${outside.slice(0, 10).join(', ')} are not offered to a location in your scope`);
      const marked = markInboxRead(ctx.db, ctx.principal.userId, ids, ctx.now().toISOString());
      return { marked, ...inboxCounts(ctx.db, ctx.scope.entityList(), ctx.principal.userId) };
    },
  }),

  'inbox.accept': defineHandler({
    summary: 'Accept a request offered to one of your locations (writes fulfilment_accepted)',
    input: z.object(Answer).strict(),
    roles: ['admin', 'finance', 'store_manager'],
    mutates: true,
    replica: answerCommand('accept'),
    run: (ctx, input) => answer(ctx, input, {
      type: 'fulfilment_accepted', order: input.order, line: input.line, location: input.location, at: isoUtc(ctx.now().getTime()),
    }),
  }),

  'inbox.refuse': defineHandler({
    summary: 'Refuse a request offered to one of your locations (writes fulfilment_refused; the line goes to the next candidate or is cancelled)',
    input: z.object({ ...Answer, reason: z.enum(INBOX_REFUSAL_REASONS), note: z.string().trim().min(1).max(500).optional() }).strict()
      // "Other" says nothing by itself: the next location and head office need the why.
      .refine((i) => i.reason !== 'other' || i.note !== undefined, { path: ['note'], message: 'say why when the reason is "other"', params: { code: 'note_required' } }),
    roles: ['admin', 'finance', 'store_manager'],
    mutates: true,
    replica: answerCommand('refuse'),
    run: (ctx, input) => answer(ctx, input, {
      type: 'fulfilment_refused', order: input.order, line: input.line, location: input.location, reason: input.reason, at: isoUtc(ctx.now().getTime()),
    }, input.note),
  }),
};
