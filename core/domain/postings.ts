// The posting scheme (docs/spec.md section 9, docs/accounting.md), as pure functions.
//
// The books FOLLOW the settled state: `orderMovements` computes, from an order's current
// settlement, its payments and its events, every balanced movement the order should have produced
// so far in the books of each entity it concerns (capture, PSP fee, line fulfilled, return steps,
// cancellations, customer refunds), and the legs between entities to invoice. `transferMovements`
// does the same for a transfer, withdrawal or transfer reversal of a release run, and
// `invoiceMovements` for a periodic invoice or credit note (the legs are booked on their
// invoice, docs/accounting.md). `draftEntries` compares cumulative targets with what is already
// posted and returns only the difference, as new entries: posted entries are never changed; a
// change of the settlement (a return, a reroute, an explicit re-settlement) shows up as new
// entries that complete or reverse the earlier ones. `draftItems` does the same for the legs
// already put on invoices.
//
// Amounts are in the event's currency (the order's); conversion to each entity's book currency
// happens when an entry is written (books-fx.ts), so the comparison is exact.
import type { AccountRole, JournalCode } from './books-accounts.js';
import { orderedEvents } from './lifecycle.js';
import type { Minor } from './money.js';
import { reversalStep, reversedTotal } from './reversals.js';
import type { LifecycleEvent, Order } from './scenario.js';
import type { LineSettlement, OrderSettlement } from './settlement-types.js';
import { captureTime } from './shares.js';
import { isoUtc, toMs } from './time.js';

export class PostingError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'PostingError';
  }
}

/** An account of a posting line: a role, and for 467200 the entity whose current account it is. */
export interface Acct { role: AccountRole; aux: string | null }

export interface PostingLine extends Acct {
  /** Signed amount in the event's currency: positive = debit, negative = credit. */
  amount: Minor;
}

export type PieceKind = 'order' | 'payment' | 'transfer' | 'invoice';

/** One balanced component of a financial event, in the books of one entity. */
export interface Movement {
  entity: string;
  /** The financial event: `cap:O:P`, `fee:O`, `ful:O:L`, `ret:O:L:AT`, `can:O:L`, `tr:ID`, `inv:NUMBER`. */
  event: string;
  /** The component within the event: `cap`, `fee`, `sale`, `refund`, `transfer`, `invoice` (`leg:N` before migration 0011). */
  fact: string;
  journal: JournalCode;
  /** When the event happened (ISO 8601 UTC). */
  at: string;
  label: string;
  /** The supporting document: the order, the payment, the transfer, or an invoice (by key). */
  piece: { kind: PieceKind; ref: string };
  order: string | null;
  transfer: string | null;
  currency: string;
  lines: PostingLine[];
}

/** A leg to invoice: positive amounts on an invoice, negative on a credit note. */
export interface LegFact {
  /** The event the leg follows (the line fulfilled, a return step). */
  event: string;
  fact: string;
  at: string;
  order: string;
  line: string;
  group: string;
  rule: string;
  to_role: string;
  supplier: string;
  customer: string;
  /** The base of the units it covers, signed like the amount. */
  base: Minor;
  rate: string;
  amount: Minor;
  vat: Minor;
  currency: string;
  description: string;
}


// ---------------------------------------------------------------------------------------------
// Building balanced movements from (debit, credit) pairs

const A = (role: AccountRole, aux: string | null = null): Acct => ({ role, aux });

class Lines {
  private readonly map = new Map<string, PostingLine>();

  /** Debits `debit` and credits `credit` with the same amount (times `sign`). */
  dc(debit: Acct, credit: Acct, amount: Minor, sign = 1): this {
    if (amount === 0) return this;
    this.add(debit, sign * amount);
    this.add(credit, -sign * amount);
    return this;
  }

  private add(a: Acct, amount: Minor) {
    const k = `${a.role}\u0000${a.aux ?? ''}`;
    const l = this.map.get(k);
    if (l) l.amount += amount;
    else this.map.set(k, { role: a.role, aux: a.aux, amount });
  }

  done(): PostingLine[] {
    // Debits first, then credits, each in the order they were built.
    const all = [...this.map.values()].filter((l) => l.amount !== 0);
    const out = [...all.filter((l) => l.amount > 0), ...all.filter((l) => l.amount < 0)];
    assertBalanced(out, 'movement');
    return out;
  }
}

export function assertBalanced(lines: readonly { amount: Minor }[], what: string): void {
  let sum = 0;
  for (const l of lines) sum += l.amount;
  if (sum !== 0) throw new PostingError('unbalanced', `${what} does not balance: debits − credits = ${sum}`);
}

// Ids from other systems may hold any character; keys escape them so `:` stays a separator.
const k = (s: string) => encodeURIComponent(s);
export const eventKeys = {
  capture: (order: string, payment: string) => `cap:${k(order)}:${k(payment)}`,
  fee: (order: string) => `fee:${k(order)}`,
  fulfilled: (order: string, line: string) => `ful:${k(order)}:${k(line)}`,
  returned: (order: string, line: string, at: string, n: number) => `ret:${k(order)}:${k(line)}:${at}${n > 1 ? `#${n}` : ''}`,
  cancelled: (order: string, line: string) => `can:${k(order)}:${k(line)}`,
  transfer: (id: string) => `tr:${k(id)}`,
  invoice: (number: string) => `inv:${k(number)}`,
};

const GROUP_LABELS: Record<string, string> = {
  commission: 'Commission', royalty: 'Redevance', marketing: 'Marketing', logistics: 'Logistique',
};
export const groupLabel = (group: string) => GROUP_LABELS[group] ?? group.charAt(0).toUpperCase() + group.slice(1);

function salesRole(kind: string): AccountRole {
  return kind === 'shipping' ? 'sales_shipping' : kind === 'service' ? 'sales_services' : 'sales';
}

// ---------------------------------------------------------------------------------------------
// Orders

export interface OrderBooksInput {
  order: Order;
  /** Every stored lifecycle event of the order. */
  events: readonly LifecycleEvent[];
  settlement: OrderSettlement;
}

export interface OrderTargets {
  movements: Movement[];
  legs: LegFact[];
  /** When a correction of an event already posted is dated: the order's latest known moment. */
  adjustAt: string;
}

const SHIP_TYPES = new Set(['line_shipped', 'line_delivered', 'line_collected']);

/**
 * When each line was fulfilled (shipped, delivered, collected, or sold in store), or null.
 * A line counts from its first shipping, delivery or collection that the lifecycle applied: not
 * after its cancellation, nor after its last unit was returned.
 */
export function fulfilmentTimes(order: Order, events: readonly LifecycleEvent[], os: OrderSettlement): Map<string, string | null> {
  const out = new Map<string, string | null>();
  const byLine = new Map<string, { type: string; at: string; quantity?: number }[]>();
  for (const { e } of orderedEvents(order, events, toMs(os.as_of))) {
    let list = byLine.get(e.line);
    if (!list) byLine.set(e.line, (list = []));
    list.push({ type: e.type, at: e.at, quantity: e.type === 'line_returned' ? e.quantity : undefined });
  }
  order.lines.forEach((line, i) => {
    const s = os.lines[i]!;
    if (s.status === 'cancelled') { out.set(line.id, null); return; }
    if (line.delivery_mode === 'in_store') { out.set(line.id, order.created_at); return; }
    let returned = 0;
    let at: string | null = null;
    for (const e of byLine.get(line.id) ?? []) {
      if (returned >= line.quantity) break;
      if (SHIP_TYPES.has(e.type)) { at = e.at; break; }
      if (e.type === 'line_returned') returned += e.quantity ?? 0;
    }
    out.set(line.id, at);
  });
  return out;
}

/** The latest moment the order names: creation, captures, events (up to its as-of). */
export function latestMoment(order: Order, events: readonly LifecycleEvent[], asOf: string): string {
  let ms = toMs(order.created_at);
  for (const p of order.payments) ms = Math.max(ms, toMs(p.captured_at));
  const limit = toMs(asOf);
  for (const e of events) {
    if (e.order !== order.id) continue;
    const t = toMs(e.at);
    if (t <= limit) ms = Math.max(ms, t);
  }
  return isoUtc(ms);
}

/**
 * Every movement an order should have produced so far, in the books of each entity, and the
 * legs to invoice (docs/spec.md section 9; docs/accounting.md lists the scheme).
 */
export function orderMovements(input: OrderBooksInput): OrderTargets {
  const { order, events, settlement: os } = input;
  const P = os.platform;
  const cur = os.currency;
  const O = order.id;
  const movements: Movement[] = [];
  const legs: LegFact[] = [];
  // Spelled out rather than spread: an import builds millions of these, and a spread copy costs several times a literal.
  const push = (m: Omit<Movement, 'order' | 'transfer' | 'currency'>) => {
    if (m.lines.length > 0) {
      movements.push({ entity: m.entity, event: m.event, fact: m.fact, journal: m.journal, at: m.at, label: m.label, piece: m.piece, lines: m.lines,
        order: O, transfer: null, currency: cur });
    }
  };
  const nc = (e: string) => A('network_current', e);

  // Capture of each payment into escrow.
  for (const p of order.payments) {
    push({
      entity: P, event: eventKeys.capture(O, p.id), fact: 'cap', journal: 'BQ', at: p.captured_at,
      label: `Encaissement ${O} (${p.id})`, piece: { kind: 'payment', ref: p.id },
      lines: new Lines().dc(A('escrow'), A('customer_funds'), p.amount).done(),
    });
  }

  // PSP fees: borne by the platform, or by each line's owner (owners_pro_rata; the share of a
  // cancelled line falls to the platform). Taken by the PSP at capture.
  if (os.psp_fees !== 0) {
    const bearers = new Map<string, Minor>();
    const bear = (e: string, a: Minor) => { if (a !== 0) bearers.set(e, (bearers.get(e) ?? 0) + a); };
    bear(P, os.platform_fees);
    for (const l of os.lines) { bear(l.roles.owner, l.fee_share); bear(P, l.detail.fee_to_platform); }
    const at = captureTime(os, order.payments.map((p) => p.captured_at));
    const event = eventKeys.fee(O);
    const label = `Frais PSP ${O}`;
    const platform = new Lines();
    for (const [e, a] of bearers) {
      platform.dc(e === P ? A('psp_fees') : nc(e), A('escrow'), a);
      if (e !== P) {
        push({ entity: e, event, fact: 'fee', journal: 'OD', at, label, piece: { kind: 'order', ref: O },
          lines: new Lines().dc(A('psp_fees'), A('platform_current', P), a).done() });
      }
    }
    push({ entity: P, event, fact: 'fee', journal: 'BQ', at, label, piece: { kind: 'order', ref: O }, lines: platform.done() });
  }

  const fulfilled = fulfilmentTimes(order, events, os);
  order.lines.forEach((line, i) => {
    const s = os.lines[i]!;
    const at = fulfilled.get(line.id) ?? null;
    const Q = s.detail.quantity;
    const steps = s.detail.return_steps;
    const seen = new Map<string, number>(); // return steps met so far at each time

    if (at !== null) {
      // Line fulfilled: the sale and its legs, then each return step reverses its share of them.
      lineMovements(push, legs, os, s, line, eventKeys.fulfilled(O, line.id), at, 0, Q, 1);
      let units = 0;
      for (const step of steps) {
        const event = returnStepKey(seen, O, line.id, step.at);
        lineMovements(push, legs, os, s, line, event, step.at, units, units + step.quantity, -1);
        push(refundMovement(P, O, event, step.at, reversalStep(s.gross, units, units + step.quantity, Q),
          `Remboursement client ${O}/${line.id} (${step.quantity} u.)`));
        units += step.quantity;
      }
      if (units !== s.detail.reversed_units) {
        throw new PostingError('inconsistent_settlement', `order ${O} line ${line.id}: ${units} units returned by steps, ${s.detail.reversed_units} reversed`);
      }
    } else {
      // Not fulfilled: nothing was sold, so nothing is reversed; only the customer is refunded.
      let units = 0;
      for (const step of steps) {
        push(refundMovement(P, O, returnStepKey(seen, O, line.id, step.at), step.at, reversalStep(s.gross, units, units + step.quantity, Q),
          `Remboursement client ${O}/${line.id} (${step.quantity} u.)`));
        units += step.quantity;
      }
      if (s.status === 'cancelled' && s.detail.cancelled_at !== null) {
        push(refundMovement(P, O, eventKeys.cancelled(O, line.id), s.detail.cancelled_at, s.gross - reversedTotal(s.gross, units, Q),
          `Annulation ${O}/${line.id} : remboursement client`));
      }
    }
  });

  return { movements, legs, adjustAt: latestMoment(order, events, os.as_of) };
}

type Push = (m: Omit<Movement, 'order' | 'transfer' | 'currency'>) => void;

// Functions of the module rather than closures created per order line: none to allocate per line,
// nor, when compiled with esbuild's keepNames as tsx does, a defineProperty each (docs/performance.md,
// fifth and sixth sessions of 2026-12-04; bin/compile-hook.mjs compiles without it).

/** The event key of a line's next return step at `stepAt` (`seen`: the steps met so far at each time, counted here). */
function returnStepKey(seen: Map<string, number>, order: string, line: string, stepAt: string): string {
  const n = (seen.get(stepAt) ?? 0) + 1;
  seen.set(stepAt, n);
  return eventKeys.returned(order, line, stepAt, n);
}

/** The platform's refund of the customer, out of escrow. */
function refundMovement(platform: string, order: string, event: string, at: string, amount: Minor, label: string): Omit<Movement, 'order' | 'transfer' | 'currency'> {
  return { entity: platform, event, fact: 'refund', journal: 'BQ', at, label, piece: { kind: 'order', ref: order },
    lines: new Lines().dc(A('customer_funds'), A('escrow'), amount).done() };
}

/**
 * The sale of a line and its legs for units (from, to] of its quantity; `sign` −1 reverses them
 * (a return step). Amounts follow docs/spec.md section 7: the total after k units is round(a × k / Q).
 */
function lineMovements(push: Push, legs: LegFact[], os: OrderSettlement, s: LineSettlement, line: Order['lines'][number],
  event: string, at: string, from: number, to: number, sign: 1 | -1) {
  const sku = line.sku ?? null;
  const P = os.platform;
  const O = os.id;
  const Q = s.detail.quantity;
  const owner = s.roles.owner;
  const gross = reversalStep(s.gross, from, to, Q);
  const vat = reversalStep(s.vat, from, to, Q);
  const net = gross - vat;
  const units = to - from;
  const what = sign > 0 ? `Vente ${O}/${s.id}${sku ? ` ${sku}` : ''}` : `Retour ${O}/${s.id} (${units} u.)`;
  const sales = A(salesRole(line.kind));
  const piece = { kind: 'order' as const, ref: O };
  const pc = A('platform_current', P);
  if (owner === P) {
    push({ entity: P, event, fact: 'sale', journal: 'VE', at, label: what, piece,
      lines: new Lines().dc(A('customer_funds'), sales, net, sign).dc(A('customer_funds'), A('output_vat'), vat, sign).done() });
  } else {
    push({ entity: owner, event, fact: 'sale', journal: 'VE', at, label: what, piece,
      lines: new Lines().dc(pc, sales, net, sign).dc(pc, A('output_vat'), vat, sign).done() });
    push({ entity: P, event, fact: 'sale', journal: 'OD', at, label: `${what} pour ${owner}`, piece,
      lines: new Lines().dc(A('customer_funds'), A('network_current', owner), gross, sign).done() });
  }

  // Legs are booked on the periodic invoice that carries them (invoiceMovements); here they are
  // only listed, as what the invoices should hold so far.
  s.legs.forEach((g, n) => {
    if (g.void !== null || g.to === null || g.from === null) return;
    const amount = reversalStep(g.amount, from, to, Q);
    const lvat = reversalStep(g.vat, from, to, Q);
    if (amount === 0 && lvat === 0) return;
    legs.push({
      event, fact: `leg:${n}`, at, order: O, line: s.id, group: g.group, rule: g.rule, to_role: g.to_role, supplier: g.to, customer: g.from,
      base: sign * reversalStep(g.base, from, to, Q), rate: g.rate, amount: sign * amount, vat: sign * lvat, currency: os.currency,
      description: `${groupLabel(g.group)} ${g.rule} — commande ${O} ligne ${s.id}${sku ? ` (${sku})` : ''}${sign < 0 ? `, retour de ${units} u. sur ${Q}` : ''}`,
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Periodic invoices

export interface InvoiceFact {
  id: number;
  number: string;
  kind: 'invoice' | 'credit_note';
  supplier: string;
  customer: string;
  currency: string;
  /** Positive amounts, as printed (a credit note takes them back). */
  net: Minor;
  vat: Minor;
  /** The issue date (YYYY-MM-DD): every book of the invoice is dated on it. */
  date: string;
  /** What the invoice covers, for the entries' labels: "Commissions 2026-03". */
  title: string;
}

/**
 * The entries of a periodic invoice or credit note between B (supplier) and A (customer), in
 * every book it concerns: B's VE (467000-P / 708200, 445710), A's AC (622000, 445660 / 467000-P),
 * and the platform's (467200 current accounts; its own 708200 or 622000 when it is B or A).
 */
export function invoiceMovements(inv: InvoiceFact, platform: string): Movement[] {
  const P = platform;
  const B = inv.supplier;
  const An = inv.customer;
  const sign = inv.kind === 'invoice' ? 1 : -1;
  const event = eventKeys.invoice(inv.number);
  const piece = { kind: 'invoice' as const, ref: inv.number };
  const label = `${inv.kind === 'invoice' ? 'Facture' : 'Avoir'} ${inv.number} : ${inv.title}`;
  const pc = A('platform_current', P);
  const out: Movement[] = [];
  // Literals rather than spreads of shared fields: a month's end makes one per invoice and book.
  const add = (entity: string, journal: JournalCode, lines: PostingLine[]) => {
    if (lines.length > 0) out.push({ entity, event, fact: 'invoice', journal, at: inv.date, label, piece, order: null, transfer: null, currency: inv.currency, lines });
  };
  if (B !== P) add(B, 'VE', new Lines().dc(pc, A('commissions_earned'), inv.net, sign).dc(pc, A('output_vat'), inv.vat, sign).done());
  if (An !== P) add(An, 'AC', new Lines().dc(A('commissions_paid'), pc, inv.net, sign).dc(A('input_vat'), pc, inv.vat, sign).done());
  const p = new Lines();
  if (An === P) p.dc(A('commissions_paid'), A('network_current', B), inv.net, sign).dc(A('input_vat'), A('network_current', B), inv.vat, sign);
  else if (B === P) p.dc(A('network_current', An), A('commissions_earned'), inv.net, sign).dc(A('network_current', An), A('output_vat'), inv.vat, sign);
  else p.dc(A('network_current', An), A('network_current', B), inv.net + inv.vat, sign);
  add(P, B === P ? 'VE' : An === P ? 'AC' : 'OD', p.done());
  return out;
}

// ---------------------------------------------------------------------------------------------
// Transfers of release runs

export interface TransferFact {
  id: string;
  run: string | null;
  entity: string;
  currency: string;
  /** Signed: > 0 leaves escrow (transfer, withdrawal), < 0 comes back (transfer reversal). */
  amount: Minor;
  kind: 'transfer' | 'withdrawal' | 'reversal';
  at: string;
}

/**
 * A transfer to E (P: 467200-E / 467100; E: 512000 / 467000), the withdrawal of P's own share
 * (P: 512000 / 467100), or a transfer reversal (the same with a negative amount: reversed).
 */
export function transferMovements(t: TransferFact, platform: string): Movement[] {
  const P = platform;
  const event = eventKeys.transfer(t.id);
  const run = t.run ? ` (${t.run})` : '';
  const base = { event, fact: 'transfer', journal: 'BQ' as const, at: t.at, piece: { kind: 'transfer' as const, ref: t.id }, order: null, transfer: t.id, currency: t.currency };
  if (t.amount === 0) return [];
  if (t.entity === P) {
    return [{ ...base, entity: P, label: t.amount > 0 ? `Retrait de la part plateforme vers la banque${run}` : `Retour en séquestre${run}`,
      lines: new Lines().dc(A('bank'), A('escrow'), t.amount).done() }];
  }
  const reversal = t.amount < 0;
  return [
    { ...base, entity: P, label: reversal ? `Reprise du virement ${t.entity}${run}` : `Virement à ${t.entity}${run}`,
      lines: new Lines().dc(A('network_current', t.entity), A('escrow'), t.amount).done() },
    { ...base, entity: t.entity, label: reversal ? `Reprise du virement de la plateforme${run}` : `Virement reçu de la plateforme${run}`,
      lines: new Lines().dc(A('bank'), A('platform_current', P), t.amount).done() },
  ];
}

// ---------------------------------------------------------------------------------------------
// What is left to post: targets minus what is posted

/** Posted amounts, summed per entity, event, fact and account (from the journal). */
export interface PostedLine {
  entity: string;
  event: string;
  fact: string;
  role: AccountRole;
  aux: string | null;
  amount: Minor;
  journal: JournalCode;
  currency: string;
  order: string | null;
  transfer: string | null;
}

export interface DraftLine extends PostingLine { fact: string }

/** An entry to post: the difference for one entity, event, journal and supporting document. */
export interface DraftEntry {
  entity: string;
  event: string;
  journal: JournalCode;
  piece: { kind: PieceKind; ref: string };
  /** The event's time, or for a correction of an event already posted, the adjustment time. */
  at: string;
  eventAt: string;
  adjustment: boolean;
  label: string;
  currency: string;
  order: string | null;
  transfer: string | null;
  lines: DraftLine[];
}

const lineKey = (entity: string, event: string, fact: string, role: string, aux: string | null) => `${entity}\u0000${event}\u0000${fact}\u0000${role}\u0000${aux ?? ''}`;
const factKey = (entity: string, event: string, fact: string) => `${entity}\u0000${event}\u0000${fact}`;

/**
 * The entries that bring the posted books to the targets. Each fact is balanced in the targets
 * and was balanced in every earlier posting, so each difference balances, and so does each entry.
 * Entries come out in event time order (then the order the targets were produced in).
 */
export function draftEntries(targets: readonly Movement[], posted: readonly PostedLine[], adjustAt: string): DraftEntry[] {
  if (posted.length === 0) return firstDrafts(targets);
  const want = new Map<string, number>();
  const meta = new Map<string, { m: Movement; idx: number }>();
  targets.forEach((m, idx) => {
    const fk = factKey(m.entity, m.event, m.fact);
    if (!meta.has(fk)) meta.set(fk, { m, idx });
    for (const l of m.lines) {
      const key = lineKey(m.entity, m.event, m.fact, l.role, l.aux);
      want.set(key, (want.get(key) ?? 0) + l.amount);
    }
  });
  const have = new Map<string, number>();
  const postedMeta = new Map<string, PostedLine>();
  const postedEvents = new Set<string>();
  for (const p of posted) {
    const key = lineKey(p.entity, p.event, p.fact, p.role, p.aux);
    have.set(key, (have.get(key) ?? 0) + p.amount);
    postedEvents.add(`${p.entity}\u0000${p.event}`);
    const fk = factKey(p.entity, p.event, p.fact);
    if (!postedMeta.has(fk)) postedMeta.set(fk, p);
  }
  const keys = new Set<string>([...want.keys(), ...have.keys()]);
  const groups = new Map<string, Ranked>();
  const adjustMs = toMs(adjustAt);
  for (const key of keys) {
    const delta = (want.get(key) ?? 0) - (have.get(key) ?? 0);
    if (delta === 0) continue;
    const [entity, event, fact, role, aux] = key.split('\u0000') as [string, string, string, AccountRole, string];
    const fk = factKey(entity, event, fact);
    const t = meta.get(fk);
    const p = postedMeta.get(fk);
    const journal = t ? t.m.journal : p!.journal;
    const piece = t ? t.m.piece : { kind: 'order' as const, ref: p!.order ?? p!.transfer ?? event };
    const gk = `${entity}\u0000${event}\u0000${journal}\u0000${piece.kind}\u0000${piece.ref}`;
    let g = groups.get(gk);
    if (!g) {
      const eventAt = t ? t.m.at : adjustAt;
      const adjustment = postedEvents.has(`${entity}\u0000${event}`);
      const at = adjustment ? isoUtc(Math.max(toMs(eventAt), adjustMs)) : eventAt;
      g = {
        d: {
          entity, event, journal, piece, at, eventAt, adjustment,
          label: adjustment ? `Régularisation : ${t ? t.m.label : event}` : t!.m.label,
          currency: t ? t.m.currency : p!.currency,
          order: t ? t.m.order : p!.order,
          transfer: t ? t.m.transfer : p!.transfer,
          lines: [],
        },
        idx: t ? t.idx : Number.MAX_SAFE_INTEGER,
      };
      groups.set(gk, g);
    }
    if (t && t.idx < g.idx) g.idx = t.idx;
    g.d.lines.push({ fact, role, aux: aux === '' ? null : aux, amount: delta });
  }
  // Lines keep the order of the targets (debits then credits, as built), then vanished facts.
  const out = [...groups.values()];
  for (const { d } of out) assertBalanced(d.lines, `entry ${d.event} for ${d.entity}`);
  return sortDrafts(out);
}

/** A draft with the index of its first target, which orders drafts of the same time. */
interface Ranked { d: DraftEntry; idx: number }

function sortDrafts(out: Ranked[]): DraftEntry[] {
  const ms = new Map<string, number>();
  out.sort((a, b) => cachedMs(ms, a.d.at) - cachedMs(ms, b.d.at) || a.idx - b.idx || (a.d.entity < b.d.entity ? -1 : a.d.entity > b.d.entity ? 1 : 0));
  return out.map((r) => r.d);
}

/** A time's milliseconds, parsed once per sort (`ms`). */
function cachedMs(ms: Map<string, number>, s: string): number {
  let v = ms.get(s);
  if (v === undefined) ms.set(s, (v = toMs(s)));
  return v;
}

/**
 * Nothing posted yet for these targets (a fresh import): every movement is new, so the drafts
 * are the movements grouped by entity, event, journal and document, in the same order and with
 * the same lines as the general case would give, without its per-line bookkeeping.
 */
function firstDrafts(targets: readonly Movement[]): DraftEntry[] {
  // Grouped by event, then found among the event's few drafts: no key string built per movement.
  const byEvent = new Map<string, Ranked[]>();
  const out: Ranked[] = [];
  targets.forEach((m, idx) => {
    let list = byEvent.get(m.event);
    if (!list) byEvent.set(m.event, (list = []));
    let g = list.find(({ d }) => d.entity === m.entity && d.journal === m.journal && d.piece.kind === m.piece.kind && d.piece.ref === m.piece.ref);
    if (!g) {
      g = { d: { entity: m.entity, event: m.event, journal: m.journal, piece: m.piece, at: m.at, eventAt: m.at, adjustment: false, label: m.label,
        currency: m.currency, order: m.order, transfer: m.transfer, lines: [] }, idx };
      list.push(g);
      out.push(g);
    }
    for (const l of m.lines) g.d.lines.push({ fact: m.fact, role: l.role, aux: l.aux, amount: l.amount });
  });
  for (const { d } of out) assertBalanced(d.lines, `entry ${d.event} for ${d.entity}`);
  return sortDrafts(out);
}

/** A leg amount already put on an invoice (signed: invoices positive, credit notes negative). */
export interface InvoicedLeg {
  event: string;
  fact: string;
  group: string;
  rule: string;
  to_role: string;
  supplier: string;
  customer: string;
  currency: string;
  /** The month (YYYY-MM) of the periodic invoice that carries it. */
  month: string;
  base: Minor;
  rate: string;
  net: Minor;
  vat: Minor;
  at: string;
  line: string;
  description: string;
  /** The number of the per-order invoice that carried it (before migration 0011), else null. */
  invoice: string | null;
}

/** A leg amount to put on the next periodic invoice or credit note of its month. */
export interface ItemDraft extends LegFact {
  /** What the amount corrects, for a credit note: the months or per-order invoices that carried the leg. */
  corrects: { month: string; invoice: string | null }[];
}

const legKey = (event: string, fact: string) => `${event}\u0000${fact}`;

/** Leg `l` as an amount to invoice (a literal: a first posting makes one per leg). */
const itemOf = (l: LegFact, base: Minor, amount: Minor, vat: Minor, corrects: ItemDraft['corrects']): ItemDraft => ({
  event: l.event, fact: l.fact, at: l.at, order: l.order, line: l.line, group: l.group, rule: l.rule, to_role: l.to_role, supplier: l.supplier,
  customer: l.customer, base, rate: l.rate, amount, vat, currency: l.currency, description: l.description, corrects,
});

/**
 * The leg amounts that bring what is invoiced to what the legs say: the difference per event and
 * leg; a leg that is gone (an explicit re-settlement) is taken back in full, dated `adjustAt`.
 */
export function draftItems(legs: readonly LegFact[], invoiced: readonly InvoicedLeg[], adjustAt: string): ItemDraft[] {
  if (invoiced.length === 0) {
    // Nothing invoiced yet (a first posting): every leg with an amount, correcting nothing.
    const first: ItemDraft[] = [];
    for (const l of legs) if (l.amount !== 0 || l.vat !== 0) first.push(itemOf(l, l.base, l.amount, l.vat, []));
    return first;
  }
  const done = new Map<string, { net: number; vat: number; base: number }>();
  const last = new Map<string, InvoicedLeg>();
  for (const i of invoiced) {
    const key = legKey(i.event, i.fact);
    const d = done.get(key) ?? { net: 0, vat: 0, base: 0 };
    d.net += i.net;
    d.vat += i.vat;
    d.base += i.base;
    done.set(key, d);
    last.set(key, i);
  }
  const all: LegFact[] = [...legs];
  const present = new Set(legs.map((l) => legKey(l.event, l.fact)));
  for (const [key, i] of last) {
    if (present.has(key)) continue;
    all.push({ event: i.event, fact: i.fact, at: adjustAt, order: '', line: i.line, group: i.group, rule: i.rule, to_role: i.to_role,
      supplier: i.supplier, customer: i.customer, base: 0, rate: i.rate, amount: 0, vat: 0, currency: i.currency, description: i.description });
  }
  const out: ItemDraft[] = [];
  for (const l of all) {
    const d = done.get(legKey(l.event, l.fact)) ?? { net: 0, vat: 0, base: 0 };
    const net = l.amount - d.net;
    const vat = l.vat - d.vat;
    if (net === 0 && vat === 0) continue;
    const corrects: ItemDraft['corrects'] = [];
    if (itemKind(net, vat) === 'credit_note') {
      // The invoices that carried this leg of the line: its fulfilment's, and earlier corrections'.
      const seen = new Set<string>();
      for (const i of invoiced) {
        if (i.line !== l.line || i.fact !== l.fact || i.supplier !== l.supplier || i.customer !== l.customer || itemKind(i.net, i.vat) !== 'invoice') continue;
        const k = `${i.month}|${i.invoice ?? ''}`;
        if (!seen.has(k)) { seen.add(k); corrects.push({ month: i.month, invoice: i.invoice }); }
      }
    }
    out.push(itemOf(l, l.base - d.base, net, vat, corrects));
  }
  return out;
}

/** Which document an amount goes on: a positive one on an invoice, a negative one on a credit note. */
export function itemKind(net: Minor, vat: Minor): 'invoice' | 'credit_note' {
  return net < 0 || (net === 0 && vat < 0) ? 'credit_note' : 'invoice';
}
