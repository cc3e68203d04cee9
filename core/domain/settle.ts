// Settlement: allocates each order to the entities of the network (docs/spec.md section 6) as of a
// moment, and assembles the `ventil.settlement/1` report (docs/formats.md). Pure: same inputs, same
// bytes. The steps per order are: line amounts → lifecycle (reroutes, cancellations, returns)
// → roles → rule selection per group → legs → cumulative reversals → PSP fee shares →
// payouts and escrow → conservation check.
import { buildContext, type SettlementContext } from './context.js';
import { EscrowBook, releaseMs } from './escrow.js';
import { splitFees, type FeeSplit } from './fees.js';
import { computeLeg } from './legs.js';
import { runLifecycle, type LineState } from './lifecycle.js';
import { lineAmounts, type LineAmounts } from './line-amounts.js';
import { formatMinor, spread, type Minor } from './money.js';
import { reversedTotal } from './reversals.js';
import { lineRoles, orderRoles, type OrderRoles } from './roles.js';
import { selectRule, type LineFacts } from './rules.js';
import { ValidationError, type LifecycleEvent, type Line, type Order, type Scenario } from './scenario.js';
import type {
  CurrencyTotals, Decision, EscrowShare, LegSettlement, LineSettlement, OrderSettlement, ReportLine, ReportOrder, Roles,
  SettlementReport, Warning,
} from './settlement-types.js';
import { isoUtc, toMs } from './time.js';

export class ConservationError extends Error {
  constructor(readonly order: string, readonly check: ConservationCheck) {
    super(`conservation fails for order ${order}: payouts ${check.payouts} + fees ${check.psp_fees} + refunded ${check.refunded} ≠ captured ${check.captured}`);
    this.name = 'ConservationError';
  }
}

export interface ConservationCheck {
  ok: boolean;
  captured: Minor;
  payouts: Minor;
  psp_fees: Minor;
  refunded: Minor;
  /** captured − (payouts + psp_fees + refunded); 0 when ok. */
  difference: Minor;
}

/** sum(payouts) + psp_fees + refunded = captured, and held + released = payout per entity. */
export function checkConservation(os: OrderSettlement): ConservationCheck {
  let payouts = 0;
  let consistent = true;
  for (const entity in os.payouts) {
    const amount = os.payouts[entity];
    payouts += amount;
    const e = os.escrow[entity];
    if (!e || e.held + e.released !== amount) consistent = false;
  }
  const difference = os.captured - (payouts + os.psp_fees + os.refunded);
  return { ok: difference === 0 && consistent, captured: os.captured, payouts, psp_fees: os.psp_fees, refunded: os.refunded, difference };
}

const sortedKeys = (keys: Iterable<string>) => [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/**
 * Settles one order as of `asOf` (ISO time), given its lifecycle events (events of other orders
 * are ignored, events after `asOf` too). Throws ValidationError when the payments do not add up
 * to the order's gross total, ConservationError if the allocation would not balance.
 */
export function settleOrder(ctx: SettlementContext, order: Order, events: readonly LifecycleEvent[], asOf: string): OrderSettlement {
  const asOfMs = toMs(asOf);
  const createdMs = toMs(order.created_at);
  const warnings: Warning[] = [];
  const amounts = lineAmounts(ctx, order);
  const { captured, fees } = paymentTotals(order, amounts.total);
  const states = runLifecycle(order, events, createdMs, asOfMs, warnings);
  const work: OrderWork = {
    ctx, order, amounts, asOfMs,
    feeSplit: splitFees(ctx.feeBearer, fees, amounts.gross, states.map((s) => s.cancelled)),
    orderRoles: orderRoles(ctx, order),
    // One facts record per order, refilled per line (selection is synchronous).
    facts: { createdMs, channel: order.channel, deliveryMode: '', kind: '', category: null, seller: null, owner: '', sellerRegion: null, ownerRegion: null },
  };
  const platform = ctx.platform;
  const book = new EscrowBook();
  book.touch(platform);

  const lines: LineSettlement[] = new Array(order.lines.length);
  let refunded = 0;
  for (let i = 0; i < order.lines.length; i++) {
    const line = settleLine(work, i, states[i]);
    bookLine(book, platform, line);
    refunded += line.refunded;
    lines[i] = line;
  }
  if (ctx.feeBearer === 'platform' && fees !== 0) book.add(platform, -fees, true);
  const { payouts, escrow } = payoutsOf(book, order, warnings);

  const os: OrderSettlement = {
    id: order.id,
    currency: order.currency,
    captured,
    psp_fees: fees,
    refunded,
    lines,
    payouts,
    escrow,
    warnings,
    as_of: asOf,
    created_at: order.created_at,
    platform,
    fee_bearer: ctx.feeBearer,
    commission_vat_rate: ctx.commissionVat.text,
    platform_fees: ctx.feeBearer === 'platform' ? fees : 0,
    refunds: refundsByPayment(order, refunded),
  };
  const check = checkConservation(os);
  if (!check.ok) throw new ConservationError(order.id, check);
  return os;
}

/** What settling an order's lines shares: computed once per order. */
interface OrderWork {
  ctx: SettlementContext;
  order: Order;
  amounts: LineAmounts;
  feeSplit: FeeSplit;
  orderRoles: OrderRoles;
  facts: LineFacts;
  asOfMs: number;
}

/** The captured total and the PSP fees; the payments must add up to the order's gross total. */
function paymentTotals(order: Order, total: Minor): { captured: Minor; fees: Minor } {
  let captured = 0;
  let fees = 0;
  for (const p of order.payments) {
    captured += p.amount;
    fees += p.psp_fee ?? 0;
  }
  if (captured !== total) {
    throw new ValidationError([{ path: 'payments', code: 'payments_mismatch', message: `order ${order.id}: payments add up to ${captured} but the gross total after discounts is ${total}` }]);
  }
  return { captured, fees };
}

/** One line: its roles, the rules that decide it and their legs, what is reversed, when it is released. */
function settleLine(w: OrderWork, i: number, st: LineState): LineSettlement {
  const { ctx, order, amounts } = w;
  const line = order.lines[i];
  const gross = amounts.gross[i];
  const vat = amounts.vat[i];
  const net = amounts.net[i];
  const q = line.quantity;
  const fulfiller = line.candidates[st.fulfiller];
  const roles = lineRoles(ctx, order, line, fulfiller, w.orderRoles);
  fillFacts(w.facts, ctx, line, roles);
  // Units whose amounts are reversed: the returned ones, or all of them when the line is cancelled.
  const k = st.cancelled ? q : st.returned;
  const legs: LegSettlement[] = [];
  const decisions: Decision[] = [];
  for (const group of ctx.groups) {
    const rule = selectRule(group, w.facts);
    if (rule === null) continue;
    decisions.push(rule.decision);
    for (const leg of rule.legs) {
      const l = computeLeg(ctx, rule, leg, roles, gross, net, q);
      if (k > 0) {
        l.reversed_amount = reversedTotal(l.amount, k, q);
        l.reversed_vat = reversedTotal(l.vat, k, q);
      }
      legs.push(l);
    }
  }

  const revGross = reversedTotal(gross, k, q);
  const revVat = reversedTotal(vat, k, q);
  const releaseAt = Number.isNaN(st.releaseFromMs) || st.cancelled ? NaN : releaseMs(st.releaseFromMs, ctx.returnWindowMs);
  return {
    id: line.id,
    status: st.status,
    fulfiller,
    gross,
    vat,
    net,
    fee_share: w.feeSplit.lineShares[i],
    roles,
    legs,
    returned: st.returned,
    refunded: revGross,
    decisions,
    detail: {
      quantity: q,
      unit_price: line.unit_price,
      line_discount: line.discount ?? 0,
      order_discount: amounts.orderDiscount[i],
      vat_rate: line.vat_rate,
      reversed_units: k,
      reversed_gross: revGross,
      reversed_vat: revVat,
      reversed_net: revGross - revVat,
      fee_to_platform: w.feeSplit.toPlatformByLine[i],
      release_at: Number.isNaN(releaseAt) ? null : isoUtc(releaseAt),
      released: releaseAt <= w.asOfMs,
      refused: st.refused,
      return_steps: st.returnSteps,
      cancelled_at: st.cancelledAt,
    },
  };
}

/** What rule selection looks at for this line (docs/spec.md section 7). */
function fillFacts(facts: LineFacts, ctx: SettlementContext, line: Line, roles: Roles): void {
  facts.deliveryMode = line.delivery_mode;
  facts.kind = line.kind;
  facts.category = line.category ?? null;
  facts.seller = roles.seller;
  facts.owner = roles.owner;
  facts.sellerRegion = roles.seller === null ? null : (ctx.regions.get(roles.seller) ?? null);
  facts.ownerRegion = ctx.regions.get(roles.owner) ?? null;
}

/**
 * Moves a line's money in escrow: its owner receives what the customer keeps paying for, each
 * leg moves its amount and VAT net of reversals, and the PSP fee shares leave at capture.
 */
function bookLine(book: EscrowBook, platform: string, line: LineSettlement): void {
  const released = line.detail.released;
  book.add(line.roles.owner, line.gross - line.refunded, released);
  for (const l of line.legs) {
    if (l.void !== null) continue;
    const moved = l.amount - l.reversed_amount + (l.vat - l.reversed_vat);
    book.add(l.to!, moved, released);
    book.add(l.from!, -moved, released);
  }
  if (line.fee_share !== 0) book.add(line.roles.owner, -line.fee_share, true);
  const feeToPlatform = line.detail.fee_to_platform;
  if (feeToPlatform !== 0) book.add(platform, -feeToPlatform, true);
}

/** Each entity's payout and its held and released parts; a negative payout is warned about. */
function payoutsOf(book: EscrowBook, order: Order, warnings: Warning[]): { payouts: Record<string, Minor>; escrow: Record<string, EscrowShare> } {
  const payouts: Record<string, Minor> = {};
  const escrow: Record<string, EscrowShare> = {};
  for (const entity of book.sortedEntities()) {
    const s = book.get(entity);
    payouts[entity] = s.held + s.released;
    escrow[entity] = { held: s.held, released: s.released };
    if (payouts[entity] < 0) {
      warnings.push({
        code: 'negative_payout',
        message: `${entity} owes ${formatMinor(-payouts[entity], order.currency)} ${order.currency} on order ${order.id}; netted against its next transfers`,
        entity,
      });
    }
  }
  return { payouts, escrow };
}

/** The refunded total spread over the payments by their amounts. */
function refundsByPayment(order: Order, refunded: Minor): { payment: string; amount: Minor }[] {
  const parts = refunded === 0 ? null : spread(refunded, order.payments.map((p) => p.amount));
  return order.payments.map((p, j) => ({ payment: p.id, amount: parts === null ? 0 : parts[j] }));
}

/** The default moment of a settlement: the latest order creation, capture or event. */
export function defaultAsOf(scenario: Pick<Scenario, 'orders' | 'events'>): string {
  let max = -Infinity;
  for (const o of scenario.orders) {
    max = Math.max(max, toMs(o.created_at));
    for (const p of o.payments) max = Math.max(max, toMs(p.captured_at));
  }
  for (const e of scenario.events) max = Math.max(max, toMs(e.at));
  return isoUtc(Number.isFinite(max) ? max : 0);
}

/** Groups events by order id, keeping their input order. */
export function eventsByOrder(events: readonly LifecycleEvent[]): Map<string, LifecycleEvent[]> {
  const m = new Map<string, LifecycleEvent[]>();
  for (const e of events) {
    const list = m.get(e.order);
    if (list) list.push(e);
    else m.set(e.order, [e]);
  }
  return m;
}

export interface ScenarioSettlement {
  report: SettlementReport;
  orders: OrderSettlement[];
  context: SettlementContext;
}

/**
 * Settles a whole scenario as of `asOf` (default: the latest created_at, captured_at or event
 * time). Orders created after `asOf` did not exist yet and are left out.
 */
export function settleScenario(scenario: Scenario, asOf?: string): ScenarioSettlement {
  const at = asOf === undefined ? defaultAsOf(scenario) : isoUtc(toMs(asOf));
  const atMs = toMs(at);
  const context = buildContext(scenario.network, scenario.rules);
  const byOrder = eventsByOrder(scenario.events);
  const orders: OrderSettlement[] = [];
  for (const order of scenario.orders) {
    if (toMs(order.created_at) > atMs) continue;
    orders.push(settleOrder(context, order, byOrder.get(order.id) ?? [], at));
  }
  return { report: buildReport(orders, at), orders, context };
}

/** Settles a scenario and returns the `ventil.settlement/1` report. */
export function settle(scenario: Scenario, asOf?: string): SettlementReport {
  return settleScenario(scenario, asOf).report;
}

// ---------------------------------------------------------------------------------------------
// Report

export function reportLine(l: LineSettlement): ReportLine {
  return {
    id: l.id,
    status: l.status,
    fulfiller: l.fulfiller,
    gross: l.gross,
    vat: l.vat,
    net: l.net,
    fee_share: l.fee_share,
    roles: {
      owner: l.roles.owner,
      shipper: l.roles.shipper,
      pickup: l.roles.pickup,
      catchment: l.roles.catchment,
      origin: l.roles.origin,
      platform: l.roles.platform,
      seller: l.roles.seller,
    },
    legs: l.legs.map((g) => ({
      group: g.group,
      rule: g.rule,
      to_role: g.to_role,
      to: g.to,
      from: g.from,
      base: g.base,
      rate: g.rate,
      amount: g.amount,
      vat: g.vat,
      void: g.void,
    })),
    returned: l.returned,
    refunded: l.refunded,
    decisions: l.decisions.map((d) => ({ group: d.group, rule: d.rule, legs: d.legs })),
  };
}

export function reportOrder(os: OrderSettlement): ReportOrder {
  const escrow: Record<string, EscrowShare> = {};
  for (const [k, v] of Object.entries(os.escrow)) escrow[k] = { held: v.held, released: v.released };
  return {
    id: os.id,
    currency: os.currency,
    captured: os.captured,
    psp_fees: os.psp_fees,
    refunded: os.refunded,
    lines: os.lines.map(reportLine),
    payouts: { ...os.payouts },
    escrow,
    warnings: os.warnings.map((w) => ({ code: w.code, message: w.message, ...(w.entity !== undefined ? { entity: w.entity } : {}), ...(w.line !== undefined ? { line: w.line } : {}) })),
  };
}

/** Assembles the report from order settlements: orders in the given order, totals per currency. */
export function buildReport(orders: readonly OrderSettlement[], asOf: string): SettlementReport {
  const totals = new Map<string, { captured: number; psp_fees: number; refunded: number; payouts: Map<string, number> }>();
  for (const os of orders) {
    let t = totals.get(os.currency);
    if (t === undefined) {
      t = { captured: 0, psp_fees: 0, refunded: 0, payouts: new Map() };
      totals.set(os.currency, t);
    }
    t.captured += os.captured;
    t.psp_fees += os.psp_fees;
    t.refunded += os.refunded;
    for (const [entity, amount] of Object.entries(os.payouts)) t.payouts.set(entity, (t.payouts.get(entity) ?? 0) + amount);
  }
  const out: Record<string, CurrencyTotals> = {};
  for (const currency of sortedKeys(totals.keys())) {
    const t = totals.get(currency)!;
    const payouts: Record<string, Minor> = {};
    for (const entity of sortedKeys(t.payouts.keys())) payouts[entity] = t.payouts.get(entity)!;
    out[currency] = { captured: t.captured, psp_fees: t.psp_fees, refunded: t.refunded, payouts };
  }
  return { format: 'ventil.settlement/1', as_of: asOf, orders: orders.map(reportOrder), totals: out };
}

/** The report as JSON text: one-space indentation like the reference reports, final newline. */
export function formatSettlementJson(report: SettlementReport): string {
  return `${JSON.stringify(report, null, 1)}\n`;
}

/**
 * The same bytes as formatSettlementJson, in pieces (one per order), for reports too large for
 * one string (V8 caps strings at about 512 MB: roughly 300 000 lines of report). Write each
 * piece as it comes: `for (const chunk of settlementJsonChunks(r)) out.write(chunk)`.
 */
export function* settlementJsonChunks(report: SettlementReport): Generator<string> {
  // JSON strings never contain a raw newline, so re-indenting a nested value is a replace.
  const nest = (value: unknown, depth: number) => JSON.stringify(value, null, 1).replace(/\n/g, `\n${' '.repeat(depth)}`);
  yield `{\n "format": ${JSON.stringify(report.format)},\n "as_of": ${JSON.stringify(report.as_of)},\n "orders": [`;
  for (let i = 0; i < report.orders.length; i++) yield `${i === 0 ? '' : ','}\n  ${nest(report.orders[i], 2)}`;
  yield `${report.orders.length === 0 ? ']' : '\n ]'},\n "totals": ${nest(report.totals, 1)}\n}\n`;
}
