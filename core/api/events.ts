// Lifecycle event intake over the API (`events.submit`) and the command line (`ventil events`):
// an events-only document (docs/formats.md) or a bare list. See core/api/event-intake.ts for what is
// checked; the whole submission is stored or none of it.
import { z } from 'zod';
import { ApiError } from './errors.js';
import { checkEvents, intakeEvents } from './event-intake.js';
import { defineHandler } from './handler.js';
import { orderParties, partiesOfOrders } from '../store/orders-repo.js';

type Submitted = { file?: unknown; events?: unknown };

function bodyOf(input: Submitted): { file: unknown } | { events: unknown } {
  if (input.file !== undefined && (input.file === null || typeof input.file !== 'object' || Array.isArray(input.file))) {
    throw new ApiError('invalid_events', 'an events document is a JSON object with an `events` list', [{ path: '', code: 'invalid_type', message: 'expected an object { "events": [...] }' }]);
  }
  return input.file !== undefined ? { file: input.file } : { events: input.events };
}

export const eventsHandlers = {
  'events.submit': defineHandler({
    summary: 'Submit lifecycle events (a ventil.scenario/1 events document as `file`, or a list as `events`); idempotent, contradictions refused',
    input: z.object({
      file: z.unknown().optional(),
      events: z.unknown().optional(),
      source: z.enum(['api', 'file']).default('api'),
    }).strict().superRefine((v, ctx) => {
      if ((v.file === undefined) === (v.events === undefined)) ctx.addIssue({ code: 'custom', path: ['events'], message: 'give exactly one of `file` (an events document) and `events` (a list)' });
    }),
    // Store managers submit the events of their own locations (checked per event).
    roles: ['admin', 'finance', 'store_manager'],
    mutates: true,
    // On a replica: every check the hub would make with the same data, then queued for the hub.
    replica: {
      check: (ctx, input) => {
        const { fresh } = checkEvents(ctx.db, bodyOf(input), ctx.scope);
        const orders = [...new Set(fresh.map((f) => f.event.order))].sort();
        const entities = ctx.scope.filterEntities([...new Set(orders.flatMap((o) => orderParties(ctx.db, o)))].sort());
        const named = orders.length <= 3 ? orders.join(', ') : `${orders.slice(0, 3).join(', ')} and ${orders.length - 3} more`;
        return { entities, summary: `${fresh.length} event(s) for order(s) ${named}` };
      },
    },
    run: (ctx, input) => {
      const body = bodyOf(input);
      const result = intakeEvents(ctx.db, body, { now: ctx.now(), source: input.source, actor: ctx.principal.userId, scope: ctx.scope });
      if (result.orders.length > 0) {
        const parties = partiesOfOrders(ctx.db, result.orders);
        ctx.audit({ entities: parties, after: { added: result.added, orders: result.orders } });
      }
      return result;
    },
  }),
};
