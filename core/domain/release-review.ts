// Reviewing a release run before and after it runs (docs/release.md, "Approval and delivery"):
// what a planned run adds up to per currency, whether it needs a second person's approval
// (four eyes above the network's threshold), why each entity gets its amount, and where each
// transfer stands at the PSP, in the five words finance uses: queued, sent, paid, failed,
// reversed (and cancelled, when an operator stopped it). Pure functions of the plan and of the
// delivery records.
import type { Minor } from './money.js';

export interface PlannedMovement {
  kind: 'transfer' | 'withdrawal' | 'reversal';
  entity: string;
  currency: string;
  /** Signed: > 0 pays, < 0 takes back. */
  amount: Minor;
  /** Per order, signed like the movement's items (a netted return is negative). */
  orders: readonly { order: string; amount: Minor }[];
}

export interface CarriedBalance { entity: string; currency: string; amount: Minor; reason: string }

export interface CurrencyTotals {
  currency: string;
  /** Movements that pay (transfers and withdrawals). */
  movements: number;
  transferred: Minor;
  withdrawn: Minor;
  /** Taken back by reversals (positive). */
  reversed: Minor;
  /** What leaves escrow: transferred + withdrawn. */
  outgoing: Minor;
  /** Left in escrow by the run (entities carried: owing the network, or without a PSP account). */
  carried: Minor;
}

/** Totals per currency of a planned (or written) run, currencies in code order. */
export function runTotals(movements: readonly PlannedMovement[], carried: readonly CarriedBalance[] = []): CurrencyTotals[] {
  const m = new Map<string, CurrencyTotals>();
  const of = (currency: string) => {
    let t = m.get(currency);
    if (!t) m.set(currency, (t = { currency, movements: 0, transferred: 0, withdrawn: 0, reversed: 0, outgoing: 0, carried: 0 }));
    return t;
  };
  for (const x of movements) {
    const t = of(x.currency);
    if (x.kind === 'transfer') { t.transferred += x.amount; t.movements++; }
    else if (x.kind === 'withdrawal') { t.withdrawn += x.amount; t.movements++; }
    else t.reversed += -x.amount;
  }
  for (const c of carried) of(c.currency).carried += c.amount;
  for (const t of m.values()) t.outgoing = t.transferred + t.withdrawn;
  return [...m.values()].sort((a, b) => (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0));
}

/** Why an entity gets its amount: how many orders it is paid for, and the returns netted. */
export interface MovementReason {
  orders: number;
  /** Sum of what the orders pay (positive parts). */
  paid: Minor;
  /** Sum of what returns after release take back (negative parts, as a positive number). */
  netted: Minor;
  /** Orders netted against (a return after an earlier payment). */
  netted_orders: number;
}

export function reasonOf(m: PlannedMovement): MovementReason {
  let paid = 0;
  let netted = 0;
  let nettedOrders = 0;
  const sign = m.amount < 0 ? -1 : 1;
  for (const o of m.orders) {
    const a = sign * o.amount;
    if (a >= 0) paid += a;
    else { netted += -a; nettedOrders++; }
  }
  return { orders: m.orders.length, paid, netted, netted_orders: nettedOrders };
}

/** The network's approval threshold: per currency, in minor units; a currency absent needs none. */
export type ApprovalThreshold = Readonly<Record<string, Minor>>;

export interface ApprovalNeed {
  required: boolean;
  /** The currencies whose outgoing total exceeds the threshold, with both figures. */
  over: { currency: string; outgoing: Minor; threshold: Minor }[];
}

/** Four eyes: a run whose outgoing total in a currency is above that currency's threshold. */
export function approvalNeed(totals: readonly CurrencyTotals[], threshold: ApprovalThreshold): ApprovalNeed {
  const over = totals
    .filter((t) => Object.hasOwn(threshold, t.currency) && t.outgoing > threshold[t.currency]!)
    .map((t) => ({ currency: t.currency, outgoing: t.outgoing, threshold: threshold[t.currency]! }));
  return { required: over.length > 0, over };
}

export type PspStatus = 'queued' | 'sent' | 'paid' | 'failed' | 'reversed' | 'cancelled';

export interface DeliveryRecord {
  /** The outbox row's status, null when the transfer has no row (never the case for a run). */
  outbox: 'pending' | 'in_flight' | 'sent' | 'failed' | 'dead' | 'cancelled' | null;
  /** What the PSP last said about the object, null before it answered. */
  psp: { status: string; failed: boolean; amount: Minor; amount_reversed: Minor } | null;
}

/**
 * Where a transfer stands. A dead-lettered call is `failed` (it needs an operator: retry or
 * cancel); a call still being retried is `queued`; what the PSP reports wins once it answered.
 */
export function pspStatus(d: DeliveryRecord): PspStatus {
  if (d.psp) {
    if (d.psp.failed) return 'failed';
    if (d.psp.status === 'reversed' || (d.psp.amount > 0 && d.psp.amount_reversed >= d.psp.amount)) return 'reversed';
    if (d.psp.status === 'paid' || d.psp.status === 'succeeded') return 'paid';
    return 'sent';
  }
  switch (d.outbox) {
    case 'sent': return 'sent';
    case 'dead': return 'failed';
    case 'cancelled': return 'cancelled';
    default: return 'queued';
  }
}

export const PSP_STATUSES: readonly PspStatus[] = ['queued', 'sent', 'paid', 'failed', 'reversed', 'cancelled'];
