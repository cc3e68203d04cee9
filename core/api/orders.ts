// Orders and their settlement: the list, one order with its lines, legs and shares, the
// explanation of an amount ("why did my store get this?"), and re-settlement. An order is
// visible to every entity that is a party to it; a store sees its own amounts and what their
// explanation needs, never another entity's payout (docs/spec.md invariant 7).
import { z } from 'zod';
import { explain } from '../domain/explain.js';
import type { Decision, Warning } from '../domain/settlement-types.js';
import { isoUtc } from '../domain/time.js';
import { listOrders, orderHead, type OrderHead, orderParties, settlementDetail, sortKeyOf, storedOrderIds } from '../store/orders-repo.js';
import { ApiError, notFound } from './errors.js';
import { ALL_ROLES, HEAD_OFFICE_WRITERS, defineHandler } from './handler.js';
import { recomputeStoredOrder, settleStoredOrders } from './settlement-runner.js';

/** An order as `orders.get` shows it: what the customer's order said, without the import bookkeeping. */
export type { OrderHead };

// A page cursor: the list's order and the last row's sort key and id, opaque to the client.
function encodeCursor(sort: string, desc: boolean, key: string | number, id: string): string {
  return Buffer.from(JSON.stringify([sort, desc, key, id])).toString('base64url');
}

function decodeCursor(cursor: string, sort: string, desc: boolean): { key: string | number; id: string } {
  let parsed: unknown;
  try { parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')); } catch { parsed = null; }
  const v = parsed as [unknown, unknown, unknown, unknown];
  const ok = Array.isArray(parsed) && parsed.length === 4 && typeof v[3] === 'string' && (typeof v[2] === 'string' || typeof v[2] === 'number');
  if (!ok) throw new ApiError('invalid_input', 'cursor is not one this list returned', [{ path: 'cursor', code: 'invalid_cursor', message: 'pass `next_cursor` of the previous page unchanged' }]);
  if (v[0] !== sort || v[1] !== desc) throw new ApiError('invalid_input', `the cursor belongs to a list sorted by ${v[0]}${v[1] ? ' descending' : ''}`, [{ path: 'cursor', code: 'cursor_mismatch', message: 'keep the sort and direction of the first page' }]);
  return { key: v[2] as string | number, id: v[3] as string };
}

const Timestamp = z.string().regex(/^\d{4}-\d{2}-\d{2}(T[\d:.]+Z)?$/, 'a date or ISO 8601 UTC time');

export const ordersHandlers = {
  'orders.list': defineHandler({
    summary: 'Orders with their settlement totals; with `entity`, that entity\'s payout on each',
    input: z.object({
      entity: z.string().optional(),
      from: Timestamp.optional(),
      to: Timestamp.optional(),
      search: z.string().max(100).optional(),
      closed: z.boolean().optional(),
      sort: z.enum(['created_at', 'id', 'captured', 'amount']).default('created_at'),
      desc: z.boolean().default(true),
      limit: z.number().int().min(1).max(200_000).default(100),
      offset: z.number().int().min(0).default(0),
      /** `next_cursor` of the previous page: continues after its last row (keyset paging). */
      cursor: z.string().max(600).optional(),
    }).strict(),
    roles: ALL_ROLES,
    mutates: false,
    run: (ctx, input) => {
      if (input.entity !== undefined) ctx.scope.assertEntity(input.entity);
      const scope = ctx.scope.entities();
      const entities = input.entity !== undefined ? [input.entity] : scope === null ? null : [...scope];
      if (input.sort === 'amount' && input.entity === undefined) throw new ApiError('invalid_input', 'sorting by amount needs an entity', [{ path: 'sort', code: 'needs_entity', message: 'choose an entity to sort by its amount' }]);
      const after = input.cursor === undefined ? null : decodeCursor(input.cursor, input.sort, input.desc);
      if (after && input.offset > 0) throw new ApiError('invalid_input', 'give `cursor` or `offset`, not both', [{ path: 'offset', code: 'cursor_and_offset', message: 'a cursor already says where the page starts' }]);
      const { total, rows } = listOrders(ctx.db, {
        entities, viewer: input.entity ?? null, from: input.from, to: input.to, search: input.search, closed: input.closed, now: isoUtc(ctx.now().getTime()),
        sort: input.sort, desc: input.desc, limit: input.limit, offset: input.offset, after,
      });
      const last = rows.at(-1);
      const next_cursor = last && rows.length === input.limit ? encodeCursor(input.sort, input.desc, sortKeyOf(last, input.sort), last.id) : null;
      // Order totals are the customer's payment: shown to head office and to a viewer's own orders.
      return { total, rows, next_cursor };
    },
  }),

  'orders.get': defineHandler({
    summary: 'One order: lines, roles, rules used, legs and entity shares (masked to the caller\'s scope)',
    input: z.object({ id: z.string() }).strict(),
    roles: ALL_ROLES,
    mutates: false,
    run: (ctx, input) => {
      const order = orderHead(ctx.db, input.id);
      if (!order) throw notFound('order', input.id);
      const visible = ctx.scope.visibleParties(orderParties(ctx.db, input.id), `order ${input.id}`);
      const detail = settlementDetail(ctx.db, input.id)!;
      const sees = (e: string | null) => e !== null && (visible === null || visible.has(e));
      const lines = detail.lines.map((l) => {
        const roles = { owner: l.owner, shipper: l.shipper, pickup: l.pickup, catchment: l.catchment, origin: l.origin, seller: l.seller };
        const involved = visible === null || Object.values(roles).some(sees);
        return {
          id: l.line_id, status: l.status, fulfiller: l.fulfiller, roles, release_at: l.release_at, returned: l.returned,
          gross: involved ? l.gross : null, vat: involved ? l.vat : null, net: involved ? l.net : null,
          refunded: involved ? l.refunded : null, fee_share: sees(l.owner) ? l.fee_share : null,
          decisions: JSON.parse(l.decisions_json) as Decision[],
          legs: detail.legs.filter((g) => g.line_id === l.line_id && ctx.scope.seesMovement(g.from_entity, g.to_entity, visible)).map((g) => ({
            group: g.rule_group, rule: g.rule_ref, to_role: g.to_role, to: g.to_entity, from_role: g.from_role, from: g.from_entity,
            base: g.base, rate: g.rate, amount: g.amount, vat: g.vat, void: g.void, reversed_amount: g.reversed_amount, reversed_vat: g.reversed_vat,
          })),
        };
      });
      const shares = detail.shares.filter((s) => sees(s.entity));
      // Every party the caller sees has a payout, 0 when it has no share (a line refused or
      // rerouted away): the order is in its list, so its detail explains that amount too.
      const payouts: Record<string, number> = Object.fromEntries([...(visible ?? [])].map((e) => [e, 0]));
      for (const s of shares) payouts[s.entity] = (payouts[s.entity] ?? 0) + s.amount;
      const head = detail.head;
      return {
        order, revision: head.revision, computed_at: head.computed_at,
        closed: detail.lines.every((l) => l.status === 'cancelled' || l.status === 'returned' || (l.release_at !== null && Date.parse(l.release_at) <= ctx.now().getTime())),
        // The customer's payment, as `orders.list` shows it to every party of the order (decision 0017).
        captured: head.captured, psp_fees: head.psp_fees, refunded: head.refunded,
        lines, shares, payouts, warnings: (JSON.parse(head.warnings_json) as Warning[]).filter((w) => w.entity === undefined ? visible === null : sees(w.entity)),
        revisions: detail.revisions,
      };
    },
  }),

  'settlement.explain': defineHandler({
    summary: 'Why an entity got its amount on a line: role, rule id@version, base, rate, formula, rounding, reversals',
    input: z.object({ order: z.string(), line: z.string(), entity: z.string() }).strict(),
    roles: ALL_ROLES,
    mutates: false,
    run: (ctx, input) => {
      ctx.scope.assertEntity(input.entity);
      const os = recomputeStoredOrder(ctx.db, input.order, ctx.now());
      if (!os) throw notFound('order', input.order);
      if (!os.lines.some((l) => l.id === input.line)) throw notFound('line', `${input.order}/${input.line}`);
      return explain(os, input.line, input.entity);
    },
  }),

  'settlement.run': defineHandler({
    summary: 'Re-settle stored orders (all, or the given ones); a revision is added only where the result changes',
    input: z.object({ orders: z.array(z.string()).max(1_000_000).optional() }).strict(),
    roles: HEAD_OFFICE_WRITERS,
    mutates: true,
    run: (ctx, input) => {
      if (input.orders) {
        const known = storedOrderIds(ctx.db, input.orders);
        const missing = input.orders.filter((id) => !known.has(id));
        if (missing.length) throw new ApiError('not_found', `unknown orders: ${missing.slice(0, 10).join(', ')}`, missing.slice(0, 100).map((id) => ({ path: `orders[${input.orders!.indexOf(id)}]`, code: 'unknown_reference', message: `no order ${id}` })));
      }
      return settleStoredOrders(ctx.db, { orderIds: input.orders, now: ctx.now(), reason: 'manual' });
    },
  }),
};
