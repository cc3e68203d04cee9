// One order's settlement as the store writes it: the pure engine, the entity shares, and the
// rows. Shared by the runner's own thread and its worker (settle-worker.ts), so both produce
// the same rows by construction.
import { buildContext, type SettlementContext } from '../domain/context.js';
import type { LifecycleEvent, Network, Order, Rule } from '../domain/scenario.js';
import { settleOrder } from '../domain/settle.js';
import type { OrderSettlement } from '../domain/settlement-types.js';
import { captureTime, entityShares } from '../domain/shares.js';
import { isoUtc, toMs } from '../domain/time.js';
import { DEFAULT_TIME_ZONE } from '../domain/time-zone.js';
import { settlementRows, type SettlementRows } from '../store/settlement-repo.js';

export interface OrderInput { order: Order; events: readonly LifecycleEvent[] }

export interface ComputedOrder {
  id: string;
  createdAt: string;
  lines: number;
  rows: SettlementRows;
  /** Kept only when the books follow (they post from the full settlement). */
  settlement: OrderSettlement | null;
}

/** What a computation needs besides the orders: plain data, so a worker can receive it. */
export interface ComputeSetup {
  network: Network;
  rules: readonly Rule[];
  /** Each location's owner and operator entities (refusing stores stay parties of the order). */
  locations: readonly (readonly [id: string, entities: readonly string[]])[];
  nowMs: number;
  keepSettlement: boolean;
}

/** Everything stored has happened: a stored order settles as of now, or the latest time it names. */
export function storedAsOf(order: Order, events: readonly LifecycleEvent[], nowMs: number): string {
  let asOfMs = Math.max(nowMs, toMs(order.created_at));
  for (const e of events) asOfMs = Math.max(asOfMs, toMs(e.at));
  for (const p of order.payments) asOfMs = Math.max(asOfMs, toMs(p.captured_at));
  return isoUtc(asOfMs);
}

export type OrderComputer = (input: OrderInput) => ComputedOrder;

export function orderComputer(setup: ComputeSetup, ctx: SettlementContext = buildContext(setup.network, setup.rules)): OrderComputer {
  const locations = new Map(setup.locations);
  const locationEntities = (id: string) => locations.get(id) ?? [];
  const zones = new Map(setup.network.entities.map((e) => [e.id, e.time_zone ?? DEFAULT_TIME_ZONE]));
  // Day totals are kept for the platform entity (core/store/day-totals.ts).
  const days = { zoneOf: (id: string) => zones.get(id) ?? DEFAULT_TIME_ZONE, keep: (id: string) => id === setup.network.platform_entity };
  return ({ order, events }) => {
    const os = settleOrder(ctx, order, events, storedAsOf(order, events, setup.nowMs));
    const shares = entityShares(os, captureTime(os, order.payments.map((p) => p.captured_at)));
    return { id: order.id, createdAt: order.created_at, lines: order.lines.length, rows: settlementRows(os, shares, order.created_at, days, locationEntities), settlement: setup.keepSettlement ? os : null };
  };
}
