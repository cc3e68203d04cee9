// Escrow positions (docs/spec.md section 8): per order and entity at a moment T, what is still held
// (shares not yet released), what is released, what transfers have paid out by T, and the
// balance left in escrow for it (held + released − transferred). A negative balance is a debt of
// the entity to the network (a return after release, netted against its next transfers).
// Amounts come from the current settlement; T splits them by release time and counts the
// transfers written by T.
import { z } from 'zod';
import { isoUtc, toMs } from '../domain/time.js';
import { orderExists, orderParties } from '../store/orders-repo.js';
import { currentShareRows, transferItemRows, type ShareFilter } from '../store/release-repo.js';
import type { Db } from '../store/db.js';
import { ApiError, notFound } from './errors.js';
import { ALL_ROLES, defineHandler, type ApiContext } from './handler.js';

export interface PositionRow {
  order: string;
  entity: string;
  currency: string;
  held: number;
  released: number;
  transferred: number;
  /** held + released − transferred: what escrow still owes the entity on the order (< 0: owed by it). */
  balance: number;
}

export interface EntityPosition {
  entity: string;
  currency: string;
  held: number;
  released: number;
  transferred: number;
  /** released − transferred: due at the next run (> 0), or owed to the network and netted (< 0). */
  unpaid: number;
  balance: number;
}

/** Positions per order, entity and currency at `atMs`. */
export function positions(db: Db, atMs: number, filter: ShareFilter = {}): PositionRow[] {
  const rows = new Map<string, PositionRow>();
  const row = (order: string, entity: string, currency: string) => {
    const k = `${order}\u0000${entity}\u0000${currency}`;
    let r = rows.get(k);
    if (!r) rows.set(k, (r = { order, entity, currency, held: 0, released: 0, transferred: 0, balance: 0 }));
    return r;
  };
  for (const s of currentShareRows(db, filter)) {
    const r = row(s.order, s.entity, s.currency);
    if (s.release_at !== null && toMs(s.release_at) <= atMs) r.released += s.amount;
    else r.held += s.amount;
  }
  for (const t of transferItemRows(db, new Date(atMs).toISOString(), filter)) row(t.order, t.entity, t.currency).transferred += t.amount;
  const out = [...rows.values()];
  for (const r of out) r.balance = r.held + r.released - r.transferred;
  return out.sort((a, b) => cmp(a.order, b.order) || cmp(a.entity, b.entity) || cmp(a.currency, b.currency));
}

/** Positions summed per entity and currency. */
export function entityPositions(rows: readonly PositionRow[]): EntityPosition[] {
  const m = new Map<string, EntityPosition>();
  for (const r of rows) {
    const k = `${r.entity}\u0000${r.currency}`;
    let e = m.get(k);
    if (!e) m.set(k, (e = { entity: r.entity, currency: r.currency, held: 0, released: 0, transferred: 0, unpaid: 0, balance: 0 }));
    e.held += r.held;
    e.released += r.released;
    e.transferred += r.transferred;
  }
  const out = [...m.values()];
  for (const e of out) {
    e.unpaid = e.released - e.transferred;
    e.balance = e.held + e.released - e.transferred;
  }
  return out.sort((a, b) => cmp(a.entity, b.entity) || cmp(a.currency, b.currency));
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** `at` from the input, else now; refuses what is not a time. */
export function momentOf(ctx: ApiContext, at: string | undefined): number {
  if (at === undefined) return ctx.now().getTime();
  try {
    return toMs(at);
  } catch {
    throw new ApiError('invalid_input', `at ${JSON.stringify(at)} is not an ISO 8601 time`, [{ path: 'at', code: 'invalid_time', message: 'not an ISO 8601 time' }]);
  }
}

const ROW_LIMIT = 5000;

export const escrowHandlers = {
  'escrow.position': defineHandler({
    summary: 'Held, released, transferred and balance per order and entity at a time T (default now)',
    input: z.object({ order: z.string().min(1).optional(), entity: z.string().min(1).optional(), at: z.string().optional() }).strict(),
    roles: ALL_ROLES,
    mutates: false,
    run: (ctx, input) => {
      const atMs = momentOf(ctx, input.at);
      if (input.entity !== undefined) ctx.scope.assertEntity(input.entity);
      let visible: ReadonlySet<string> | null = null;
      if (input.order !== undefined) {
        if (!orderExists(ctx.db, input.order)) throw notFound('order', input.order);
        visible = ctx.scope.visibleParties(orderParties(ctx.db, input.order), `order ${input.order}`);
      }
      const scope = ctx.scope.entityList();
      const entities = input.entity !== undefined ? [input.entity] : scope;
      const all = positions(ctx.db, atMs, { ...(input.order !== undefined ? { orders: [input.order] } : {}), entities });
      const rows = all.filter((r) => visible === null || visible.has(r.entity));
      const byEntity = entityPositions(rows);
      const orderTotals = new Map<string, { order: string; currency: string; held: number; released: number; transferred: number; balance: number }>();
      for (const r of rows) {
        let t = orderTotals.get(r.order);
        if (!t) orderTotals.set(r.order, (t = { order: r.order, currency: r.currency, held: 0, released: 0, transferred: 0, balance: 0 }));
        t.held += r.held;
        t.released += r.released;
        t.transferred += r.transferred;
        t.balance += r.balance;
      }
      const detailed = input.order !== undefined || input.entity !== undefined;
      return {
        at: isoUtc(atMs),
        rows: detailed ? rows.slice(0, ROW_LIMIT) : [],
        truncated: detailed && rows.length > ROW_LIMIT,
        orders: detailed ? [...orderTotals.values()].slice(0, ROW_LIMIT) : [],
        entities: byEntity,
      };
    },
  }),
};
