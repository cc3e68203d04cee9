// Simulation of a draft rule set on past orders: each order is settled twice, with the
// current rules and with the draft, and the differences are summed per entity and per rule.
// Nothing is stored; head office sees what a change would do before publishing it.
import { buildContext } from './context.js';
import type { Minor } from './money.js';
import type { LifecycleEvent, Network, Order, Rule } from './scenario.js';
import { eventsByOrder, settleOrder } from './settle.js';
import type { OrderSettlement } from './settlement-types.js';

export interface SimulationEntity { entity: string; currency: string; current: Minor; draft: Minor; delta: Minor }
export interface SimulationRule { rule: string; group: string; currency: string; current: Minor; draft: Minor; delta: Minor; lines_current: number; lines_draft: number }
export interface SimulationOrder { order: string; currency: string; deltas: Record<string, Minor> }

export interface SimulationResult {
  orders: number;
  lines: number;
  changed_orders: number;
  entities: SimulationEntity[];
  rules: SimulationRule[];
  /** The orders whose payouts change most (at most 50), largest absolute change first. */
  top_changes: SimulationOrder[];
}

const byKey = <T>(m: Map<string, T>, key: string, make: () => T) => m.get(key) ?? m.set(key, make()).get(key)!;

/** Leg totals (amount, before reversals) by rule id, for one settlement. */
function ruleTotals(os: OrderSettlement, into: Map<string, SimulationRule>, side: 'current' | 'draft') {
  for (const line of os.lines) {
    const seen = new Set<string>();
    for (const leg of line.legs) {
      const id = leg.rule.slice(0, leg.rule.lastIndexOf('@'));
      const r = byKey(into, `${id}|${os.currency}`, () => ({ rule: id, group: leg.group, currency: os.currency, current: 0, draft: 0, delta: 0, lines_current: 0, lines_draft: 0 }));
      if (leg.void === null) r[side] += leg.amount - leg.reversed_amount;
      if (!seen.has(id)) { seen.add(id); if (side === 'current') r.lines_current++; else r.lines_draft++; }
    }
  }
}

export function simulateRules(network: Network, current: readonly Rule[], draft: readonly Rule[], orders: readonly Order[],
  events: readonly LifecycleEvent[], asOf: string): SimulationResult {
  const now = buildContext(network, current);
  const next = buildContext(network, draft);
  const byOrder = eventsByOrder(events);
  const entities = new Map<string, SimulationEntity>();
  const rules = new Map<string, SimulationRule>();
  const changes: { order: SimulationOrder; size: number }[] = [];
  let lines = 0;
  for (const order of orders) {
    const own = byOrder.get(order.id) ?? [];
    const a = settleOrder(now, order, own, asOf);
    const b = settleOrder(next, order, own, asOf);
    lines += order.lines.length;
    ruleTotals(a, rules, 'current');
    ruleTotals(b, rules, 'draft');
    const deltas: Record<string, Minor> = {};
    let size = 0;
    for (const entity of new Set([...Object.keys(a.payouts), ...Object.keys(b.payouts)])) {
      const e = byKey(entities, `${entity}|${order.currency}`, () => ({ entity, currency: order.currency, current: 0, draft: 0, delta: 0 }));
      const x = a.payouts[entity] ?? 0, y = b.payouts[entity] ?? 0;
      e.current += x;
      e.draft += y;
      if (x !== y) { deltas[entity] = y - x; size += Math.abs(y - x); }
    }
    if (size > 0) changes.push({ order: { order: order.id, currency: order.currency, deltas }, size });
  }
  const sorted = <T extends { delta: Minor; current: Minor; draft: Minor }>(m: Map<string, T>, key: (t: T) => string) =>
    [...m.values()].map((t) => ({ ...t, delta: t.draft - t.current })).sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
  changes.sort((x, y) => y.size - x.size || (x.order.order < y.order.order ? -1 : 1));
  return {
    orders: orders.length,
    lines,
    changed_orders: changes.length,
    entities: sorted(entities, (e) => `${e.currency}|${e.entity}`),
    rules: sorted(rules, (r) => `${r.currency}|${r.group}|${r.rule}`),
    top_changes: changes.slice(0, 50).map((c) => c.order),
  };
}
