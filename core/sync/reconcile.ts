// Reconciliation: compares a PSP settlement report (CSV, columns in docs/sync.md, modelled on
// Stripe's balance and payout reconciliation reports) with what Ventil believes happened: the
// payments it imported (captures and their fees), and the transfers, reversals, refunds and
// payouts it sent (outbox + psp_objects). Every difference is listed per entity: missing at the
// PSP, missing in Ventil, different amount, fee, currency or destination, applied twice, failed at
// the PSP, or applied although Ventil never recorded the acknowledgement. Each run is stored.
// The report's rows are then applied as PSP events (source `report`), so what the report proves
// (an acknowledgement lost in a crash) is recorded for the next run.
import { contentHash } from '../store/hash.js';
import type { Db } from '../store/db.js';
import { currencyExponent } from '../domain/money.js';
import type { PspObject, PspObjectType } from '../adapters/psp.js';
import type { SettlementRow } from '../adapters/psp.js';
import { csvOfObjects } from '../domain/csv.js';
import { CsvError, parseCsvObjects } from './csv.js';
import { OutboxError, type OutboxIssue, type OutboxRow } from './outbox.js';
import { confirmOutboxFromPsp, mergePspObject, type PspObjectRow } from './psp-state.js';
import { getOutboxRowByKey } from '../store/outbox-repo.js';
import { paymentById, paymentsCapturedBetween, paymentsOfOrderWithAmount } from '../store/payments-repo.js';
import { getPspObject, movementsBetween, objectOfCall, recordPspEvent } from '../store/psp-repo.js';
import { insertReconciliationItems, insertReconciliationRun } from '../store/reconciliation-repo.js';
import { networkSetting } from '../store/release-repo.js';

export type Category = 'capture' | 'fee' | 'transfer' | 'transfer_reversal' | 'refund' | 'payout' | 'other';

export type ItemStatus =
  | 'matched' | 'amount_differs' | 'fee_differs' | 'currency_differs' | 'destination_differs'
  | 'missing_at_psp' | 'missing_in_ventil' | 'ack_missing' | 'duplicate' | 'failed_at_psp' | 'cancelled_but_applied';

export interface ReportRow {
  line: number;
  id: string;
  created: string;
  reportingCategory: string;
  category: Category;
  sourceId: string;
  currency: string;
  gross: number;
  fee: number;
  net: number;
  connectedAccount: string | null;
  transferId: string | null;
  paymentIntentId: string | null;
  chargeId: string | null;
  transferGroup: string | null;
  orderId: string | null;
  entity: string | null;
  ventilKey: string | null;
}

export interface Item {
  category: Category;
  status: ItemStatus;
  entity: string | null;
  currency: string | null;
  expected: number | null;
  actual: number | null;
  ventil_ref: string | null;
  psp_ref: string | null;
  orders: string[] | null;
  message: string;
}

const REQUIRED = ['balance_transaction_id', 'created_utc', 'reporting_category', 'source_id', 'currency', 'gross', 'fee', 'net'] as const;

/** The columns Ventil writes (and reads) in a settlement report, in order (docs/sync.md). */
export const SETTLEMENT_COLUMNS = [
  'balance_transaction_id', 'created_utc', 'reporting_category', 'source_id', 'currency', 'gross', 'fee', 'net',
  'connected_account', 'transfer_id', 'payment_intent_id', 'transfer_group', 'order_id', 'entity', 'ventil_key',
] as const;

/** A settlement report fetched from a PSP adapter, as CSV in Ventil's columns. */
export function settlementCsv(rows: readonly SettlementRow[]): string {
  return csvOfObjects(SETTLEMENT_COLUMNS, rows as unknown as Record<string, string | undefined>[]);
}
const OPTIONAL = ['connected_account', 'transfer_id', 'payment_intent_id', 'charge_id', 'transfer_group', 'order_id', 'entity', 'ventil_key', 'description', 'net_minor'] as const;
/** Other names accepted for a column (Stripe's report and API field names). */
const ALIASES: Record<string, string> = {
  id: 'balance_transaction_id', created: 'created_utc', type: 'reporting_category', source: 'source_id', amount: 'gross',
  destination: 'connected_account', destination_id: 'connected_account', transfer: 'transfer_id', payment_intent: 'payment_intent_id', charge: 'charge_id',
  'payment_metadata[order_id]': 'order_id', 'payment_metadata[ventil_order]': 'order_id', 'metadata[ventil_order]': 'order_id', 'metadata[order_id]': 'order_id',
  'refund_metadata[ventil_order]': 'order_id',
  'transfer_metadata[ventil_entity]': 'entity', 'metadata[ventil_entity]': 'entity',
  'transfer_metadata[ventil_key]': 'ventil_key', 'metadata[ventil_key]': 'ventil_key', 'refund_metadata[ventil_key]': 'ventil_key', 'payout_metadata[ventil_key]': 'ventil_key',
};

const CATEGORIES: Record<string, Category> = {
  charge: 'capture', payment: 'capture', capture: 'capture',
  refund: 'refund', refund_failure: 'refund',
  transfer: 'transfer', transfer_reversal: 'transfer_reversal',
  payout: 'payout', payout_reversal: 'payout', payout_failure: 'payout',
  fee: 'fee', stripe_fee: 'fee', application_fee: 'fee', network_cost: 'fee', tax: 'fee',
};

/** Parses a major-unit decimal ("-12.34") into exact minor units for the currency. */
export function parseMajor(text: string, currency: string): number | null {
  const t = text.trim();
  const m = /^(-|\+)?(\d+)(?:\.(\d+))?$/.exec(t);
  if (!m) return null;
  const exp = currencyExponent(currency);
  let frac = m[3] ?? '';
  if (frac.length > exp) {
    if (!/^0*$/.test(frac.slice(exp))) return null;
    frac = frac.slice(0, exp);
  }
  const minor = Number(m[2] + frac.padEnd(exp, '0'));
  if (!Number.isSafeInteger(minor)) return null;
  return m[1] === '-' ? -minor : minor;
}

function toIso(text: string): string | null {
  const t = text.trim();
  if (/^\d+$/.test(t)) return new Date(Number(t) * 1000).toISOString();
  const normal = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$/.test(t) ? `${t.replace(' ', 'T')}Z` : t;
  const ms = Date.parse(normal);
  return Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}/.test(t) ? null : new Date(ms).toISOString();
}

/** Parses a settlement report CSV; every problem is an issue with its line and column. */
export function parseSettlementCsv(text: string): { rows: ReportRow[]; issues: OutboxIssue[] } {
  const issues: OutboxIssue[] = [];
  let parsed: ReturnType<typeof parseCsvObjects>;
  try {
    parsed = parseCsvObjects(text);
  } catch (e) {
    if (e instanceof CsvError) return { rows: [], issues: [{ path: `line ${e.line}`, code: 'invalid_csv', message: e.message }] };
    throw e;
  }
  const columns = new Map<string, string>();
  for (const h of parsed.header) {
    const name = ALIASES[h] ?? h;
    if (!(REQUIRED as readonly string[]).includes(name) && !(OPTIONAL as readonly string[]).includes(name)) continue; // extra report columns are fine
    if (columns.has(name)) issues.push({ path: `header.${h}`, code: 'duplicate_column', message: `column ${name} is given twice` });
    columns.set(name, h);
  }
  for (const r of REQUIRED) if (!columns.has(r)) issues.push({ path: `header.${r}`, code: 'missing_column', message: `the report has no ${r} column` });
  if (issues.length > 0) return { rows: [], issues };
  const rows: ReportRow[] = [];
  const ids = new Set<string>();
  for (const rec of parsed.records) {
    const v = (name: string) => {
      const col = columns.get(name);
      const x = col === undefined ? '' : (rec.values[col] ?? '').trim();
      return x === '' ? null : x;
    };
    const at = (col: string, message: string, code = 'invalid_value') => issues.push({ path: `line ${rec.line}.${col}`, code, message });
    const id = v('balance_transaction_id');
    if (!id) { at('balance_transaction_id', 'missing'); continue; }
    if (ids.has(id)) { at('balance_transaction_id', `${id} appears twice`, 'duplicate_row'); continue; }
    ids.add(id);
    const currency = (v('currency') ?? '').toUpperCase();
    if (!/^[A-Z]{3}$/.test(currency)) { at('currency', 'not a currency code'); continue; }
    const amounts: Record<'gross' | 'fee' | 'net', number> = { gross: 0, fee: 0, net: 0 };
    let ok = true;
    for (const k of ['gross', 'fee', 'net'] as const) {
      const x = parseMajor(v(k) ?? '0', currency);
      if (x === null) { at(k, `${JSON.stringify(v(k))} is not an amount in ${currency} (major units, such as -12.34)`); ok = false; }
      else amounts[k] = x;
    }
    const created = toIso(v('created_utc') ?? '');
    if (!created) { at('created_utc', 'not a UTC time (2026-03-20 10:00:00, ISO 8601, or Unix seconds)'); ok = false; }
    if (ok && amounts.gross - amounts.fee !== amounts.net) at('net', `gross ${v('gross')} minus fee ${v('fee')} is not net ${v('net')}`, 'inconsistent_amounts');
    const rc = (v('reporting_category') ?? '').toLowerCase();
    if (!ok) continue;
    rows.push({
      line: rec.line, id, created: created!, reportingCategory: rc, category: CATEGORIES[rc] ?? 'other', sourceId: v('source_id') ?? '',
      currency, gross: amounts.gross, fee: amounts.fee, net: amounts.net, connectedAccount: v('connected_account'), transferId: v('transfer_id'),
      paymentIntentId: v('payment_intent_id'), chargeId: v('charge_id'), transferGroup: v('transfer_group'), orderId: v('order_id'),
      entity: v('entity'), ventilKey: v('ventil_key'),
    });
  }
  return { rows, issues };
}

const PSP_TYPE: Partial<Record<Category, PspObjectType>> = { transfer: 'transfer', transfer_reversal: 'transfer_reversal', refund: 'refund', payout: 'payout' };

export interface ReconcileInput {
  csv: string;
  source: string;
  psp: string;
  now: Date;
  /** Period the report covers; defaults to the whole UTC days of its first and last rows. */
  from?: string;
  to?: string;
}

export interface ReconcileResult {
  run_id: number;
  period: { from: string; to: string };
  report_rows: number;
  matched: number;
  mismatches: number;
  by_status: Record<string, number>;
  by_entity: Record<string, { matched: number; mismatches: number }>;
  items: Item[];
}

/** Runs a reconciliation and stores it. Call inside a transaction (the API does). */
export function reconcile(db: Db, input: ReconcileInput): ReconcileResult {
  const { rows, issues } = parseSettlementCsv(input.csv);
  if (issues.length > 0) throw new OutboxError('invalid_report', `the settlement report has ${issues.length} problem(s); nothing was stored`, issues);
  const period = reportPeriod(rows, input);
  const matcher = new ReportMatcher(db, input.psp);
  for (const r of rows) matcher.match(r);
  matcher.unreported(period);
  const stored = storeRun(db, input, rows.length, period, matcher.items);
  applyReportRows(db, input.psp, rows, input.now);
  return { run_id: stored.run_id, period, report_rows: rows.length, matched: stored.matched, mismatches: stored.mismatches, by_status: stored.by_status, by_entity: stored.by_entity, items: matcher.items };
}

/** The period given, or the whole UTC days of the report's first and last rows. */
function reportPeriod(rows: readonly ReportRow[], input: ReconcileInput): { from: string; to: string } {
  const times = rows.map((r) => r.created).sort();
  const from = input.from ?? (times.length ? `${times[0].slice(0, 10)}T00:00:00.000Z` : input.now.toISOString());
  const to = input.to ?? (times.length ? new Date(Date.parse(`${times[times.length - 1].slice(0, 10)}T00:00:00.000Z`) + 86_400_000).toISOString() : input.now.toISOString());
  return { from, to };
}

type PaymentMatch = { order_id: string; payment_id: string; amount: number; psp_fee: number; currency: string };

/**
 * Matches a report's rows one by one with what Ventil recorded, remembering what each row
 * matched (so a second row for the same payment, object or call is a duplicate), then lists what
 * Ventil recorded in the period that no row matched.
 */
class ReportMatcher {
  readonly items: Item[] = [];
  private readonly seenObjects = new Set<string>();
  private readonly seenPayments = new Set<string>();
  /** Outbox key → the first PSP id the report showed for it. */
  private readonly keyMatches = new Map<string, string>();
  private readonly platformEntity: string | null;

  constructor(private readonly db: Db, private readonly psp: string) {
    this.platformEntity = networkSetting<string | null>(db, 'platform_entity', null);
  }

  match(r: ReportRow): void {
    if (r.category === 'capture') this.capture(r);
    else if (r.category === 'fee' || r.category === 'other') {
      this.items.push({ ...this.base(r), category: r.category, status: 'missing_in_ventil', entity: this.platformEntity, expected: null, ventil_ref: null, orders: null, message: `${r.reportingCategory} ${r.gross} ${r.currency} (${r.id}) has no counterpart in Ventil` });
    } else this.movement(r);
  }

  private base(r: ReportRow) {
    return { currency: r.currency, actual: Math.abs(r.gross), psp_ref: r.sourceId || r.id };
  }

  /** A capture: the payment it names (by PSP id, else by order and amount), its amount and its fee. */
  private capture(r: ReportRow): void {
    const push = (i: Item) => this.items.push(i);
    const base = this.base(r);
    const pay = this.paymentOf(r);
    if (!pay) { push({ ...base, category: 'capture', status: 'missing_in_ventil', entity: this.platformEntity, expected: null, ventil_ref: null, orders: r.orderId ? [r.orderId] : null, message: `the PSP captured ${r.gross} ${r.currency} (${r.sourceId}) for no payment Ventil knows` }); return; }
    const ref = `${pay.order_id}/${pay.payment_id}`;
    if (this.seenPayments.has(ref)) { push({ ...base, category: 'capture', status: 'duplicate', entity: this.platformEntity, expected: pay.amount, ventil_ref: ref, orders: [pay.order_id], message: `payment ${ref} appears twice in the report` }); return; }
    this.seenPayments.add(ref);
    const common = { category: 'capture' as const, entity: this.platformEntity, ventil_ref: ref, orders: [pay.order_id] };
    if (pay.currency !== r.currency) push({ ...base, ...common, status: 'currency_differs', expected: pay.amount, message: `payment ${ref} is in ${pay.currency}, the report says ${r.currency}` });
    else if (pay.amount !== r.gross) push({ ...base, ...common, status: 'amount_differs', expected: pay.amount, message: `payment ${ref}: Ventil has ${pay.amount}, the PSP captured ${r.gross}` });
    else push({ ...base, ...common, status: 'matched', expected: pay.amount, message: `payment ${ref} captured` });
    if (pay.currency === r.currency && pay.psp_fee !== r.fee) {
      push({ ...base, ...common, category: 'fee', status: 'fee_differs', expected: pay.psp_fee, actual: r.fee, message: `payment ${ref}: Ventil counts a PSP fee of ${pay.psp_fee}, the PSP took ${r.fee}` });
    } else if (pay.currency === r.currency) {
      push({ ...base, ...common, category: 'fee', status: 'matched', expected: pay.psp_fee, actual: r.fee, message: `payment ${ref}: fee ${r.fee}` });
    }
  }

  private paymentOf(r: ReportRow): PaymentMatch | undefined {
    const candidates = [r.paymentIntentId, r.chargeId, r.sourceId].filter((x): x is string => !!x);
    for (const c of candidates) {
      const pay = paymentById(this.db, c);
      if (pay) return pay;
    }
    if (!r.orderId) return undefined;
    const sameAmount = paymentsOfOrderWithAmount(this.db, r.orderId, r.gross);
    return sameAmount.find((p) => !this.seenPayments.has(`${p.order_id}/${p.payment_id}`));
  }

  /** Transfers, reversals, refunds, payouts: by PSP id, else by the ventil_key the call carried. */
  private movement(r: ReportRow): void {
    const type = PSP_TYPE[r.category]!;
    const obj = r.sourceId ? getPspObject(this.db, this.psp, r.sourceId) : undefined;
    const key = obj?.outbox_key ?? r.ventilKey;
    const call = key ? getOutboxRowByKey(this.db, key) : undefined;
    const payload = call ? JSON.parse(call.payload_json) as Record<string, any> : null;
    const entity = call?.entity ?? obj?.entity ?? r.entity ?? null;
    const orders = payload?.orders ? (payload.orders as { order: string }[]).map((o) => o.order) : payload?.order ? [payload.order as string] : r.orderId ? [r.orderId] : null;
    const expected = expectedAmount(call, payload, obj, r);
    const common = { ...this.base(r), category: r.category, entity, orders, ventil_ref: key ?? null, expected };
    this.items.push({ ...common, ...this.verdict(r, type, { obj, key, call, expected, payload }) });
  }

  /** The status of a movement the report shows, against the call and the PSP object Ventil recorded. */
  private verdict(r: ReportRow, type: PspObjectType, known: KnownMovement): { status: ItemStatus; message: string } {
    const { obj, key, call, expected, payload } = known;
    if (r.reportingCategory === 'refund_failure' || r.reportingCategory === 'payout_failure' || r.reportingCategory === 'payout_reversal') {
      if (obj) this.seenObjects.add(obj.psp_id);
      return { status: 'failed_at_psp', message: `${r.reportingCategory}: ${r.sourceId} returned ${r.gross} ${r.currency}; the money did not reach its destination` };
    }
    if (!obj && !call) return { status: 'missing_in_ventil', message: `the PSP shows a ${r.category} ${r.sourceId} of ${r.gross} ${r.currency} that Ventil never asked for` };
    if (obj && this.seenObjects.has(obj.psp_id)) return { status: 'duplicate', message: `${obj.psp_id} appears twice in the report` };
    if (obj) this.seenObjects.add(obj.psp_id);
    if (key && type !== 'refund') {
      const first = this.keyMatches.get(key);
      if (first && first !== r.sourceId) return { status: 'duplicate', message: `the call ${key} was applied twice at the PSP (${first} and ${r.sourceId})` };
      this.keyMatches.set(key, r.sourceId);
    }
    if (call && call.status === 'cancelled') return { status: 'cancelled_but_applied', message: `the call ${key} was cancelled in Ventil, but the PSP applied it (${r.sourceId})` };
    if (!obj && call && call.status === 'sent' && type !== 'refund') {
      const twice = objectOfCall(this.db, this.psp, key!, type);
      if (twice !== undefined) return { status: 'duplicate', message: `the call ${key} was applied twice at the PSP (Ventil recorded ${twice}, the report also shows ${r.sourceId})` };
    }
    if (!obj && call && call.status !== 'sent') return { status: 'ack_missing', message: `the PSP applied ${key} (${r.sourceId}) but Ventil had not recorded it (outbox row ${call.id} is ${call.status}); recorded now` };
    if (obj && obj.status_rank >= 90) return { status: 'failed_at_psp', message: `${obj.psp_id} is ${obj.status} at the PSP${obj.failure_code ? ` (${obj.failure_code})` : ''}` };
    if (obj && obj.currency !== r.currency) return { status: 'currency_differs', message: `${obj.psp_id}: Ventil has ${obj.currency}, the report says ${r.currency}` };
    if (expected !== null && expected !== Math.abs(r.gross)) return { status: 'amount_differs', message: `${r.sourceId}: Ventil expected ${expected}, the PSP moved ${Math.abs(r.gross)} ${r.currency}` };
    const dest = payload?.destination ?? obj?.destination ?? null;
    if (r.category === 'transfer' && r.connectedAccount && dest && dest !== r.connectedAccount) {
      return { status: 'destination_differs', message: `${r.sourceId} went to ${r.connectedAccount}, Ventil sent it to ${dest}` };
    }
    return { status: 'matched', message: `${r.category} ${r.sourceId} ${Math.abs(r.gross)} ${r.currency}` };
  }

  /** What Ventil did in the period that the report does not show: PSP objects, then captured payments. */
  unreported(period: { from: string; to: string }): void {
    const objects = movementsBetween(this.db, this.psp, period.from, period.to);
    for (const o of objects) {
      if (this.seenObjects.has(o.psp_id)) continue;
      const cat: Category = o.type === 'capture' ? 'capture' : o.type;
      this.items.push({
        category: cat, status: 'missing_at_psp', entity: o.entity, currency: o.currency, expected: o.amount, actual: null, ventil_ref: o.outbox_key, psp_ref: o.psp_id,
        orders: o.orders_json ? (JSON.parse(o.orders_json) as { order: string }[]).map((x) => x.order) : null,
        message: `Ventil recorded ${o.type} ${o.psp_id} of ${o.amount} ${o.currency}; the report does not show it`,
      });
    }
    const payments = paymentsCapturedBetween(this.db, period.from, period.to);
    for (const p of payments) {
      const ref = `${p.order_id}/${p.payment_id}`;
      if (this.seenPayments.has(ref)) continue;
      this.items.push({ category: 'capture', status: 'missing_at_psp', entity: this.platformEntity, currency: p.currency, expected: p.amount, actual: null, ventil_ref: ref, psp_ref: null, orders: [p.order_id], message: `payment ${ref} of ${p.amount} ${p.currency} is not in the report` });
    }
  }
}

/** What Ventil recorded about a movement the report shows. */
interface KnownMovement {
  obj: PspObjectRow | undefined;
  key: string | null;
  call: OutboxRow | undefined;
  expected: number | null;
  payload: Record<string, any> | null;
}

/** Stores the run and its items; returns its id and counts. */
function storeRun(db: Db, input: ReconcileInput, reportRows: number, period: { from: string; to: string }, items: readonly Item[]): Pick<ReconcileResult, 'run_id' | 'matched' | 'mismatches' | 'by_status' | 'by_entity'> {
  const at = input.now.toISOString();
  const matched = items.filter((i) => i.status === 'matched').length;
  const byStatus: Record<string, number> = {};
  const byEntity: Record<string, { matched: number; mismatches: number }> = {};
  for (const i of items) {
    byStatus[i.status] = (byStatus[i.status] ?? 0) + 1;
    const e = byEntity[i.entity ?? '(none)'] ??= { matched: 0, mismatches: 0 };
    if (i.status === 'matched') e.matched++; else e.mismatches++;
  }
  const summary = { by_status: byStatus, by_entity: byEntity };
  const runId = insertReconciliationRun(db, {
    at, psp: input.psp, source: input.source, file_hash: contentHash(input.csv), period_from: period.from, period_to: period.to,
    report_rows: reportRows, matched, mismatches: items.length - matched, summary_json: JSON.stringify(summary),
  });
  insertReconciliationItems(db, items.map((i, seq) => ({
    run_id: runId, seq, category: i.category, status: i.status, entity: i.entity, currency: i.currency, expected: i.expected, actual: i.actual,
    difference: i.expected !== null && i.actual !== null ? i.actual - i.expected : null, ventil_ref: i.ventil_ref, psp_ref: i.psp_ref,
    orders_json: i.orders ? JSON.stringify(i.orders) : null, message: i.message,
  })));
  return { run_id: runId, matched, mismatches: items.length - matched, by_status: byStatus, by_entity: byEntity };
}

function expectedAmount(call: OutboxRow | undefined, payload: Record<string, any> | null, obj: PspObjectRow | undefined, r: ReportRow): number | null {
  if (payload && call) {
    if (call.kind === 'psp.refund') {
      const parts = payload.payments as { psp_payment: string; amount: number }[];
      const target = r.paymentIntentId ?? r.chargeId ?? obj?.parent_psp_id;
      const part = parts.find((p) => p.psp_payment === target) ?? (parts.length === 1 ? parts[0] : undefined);
      return part ? part.amount : obj?.amount ?? null;
    }
    if (typeof payload.amount === 'number') return payload.amount;
  }
  return obj?.amount ?? null;
}

/**
 * Records the report's rows as PSP events (once each, by balance transaction id) and merges what
 * they prove into psp_objects; an object made by a Ventil call whose acknowledgement was lost
 * confirms the call.
 */
function applyReportRows(db: Db, psp: string, rows: readonly ReportRow[], now: Date): void {
  const at = now.toISOString();
  for (const r of rows) {
    const type = PSP_TYPE[r.category];
    let applied: 'applied' | 'ignored' | 'unmatched' | 'stale' = 'ignored';
    if (type && r.sourceId && !/_failure$|payout_reversal/.test(r.reportingCategory)) {
      const known = getPspObject(db, psp, r.sourceId);
      if (known || r.ventilKey) {
        const obj: PspObject = {
          type, id: r.sourceId, amount: Math.abs(r.gross), currency: r.currency,
          status: type === 'transfer' || type === 'payout' ? 'paid' : 'succeeded',
          destination: r.connectedAccount, parentId: r.transferId ?? r.paymentIntentId ?? r.chargeId, created: r.created,
          metadata: r.ventilKey ? { ventil_key: r.ventilKey } : {},
        };
        // A payout in a settlement report is settled ("paid"); a transfer is at least paid.
        const res = mergePspObject(db, psp, obj, { source: 'report', now, outboxKey: r.ventilKey });
        applied = res === 'stale' ? 'stale' : 'applied';
        confirmOutboxFromPsp(db, psp, obj, `report row ${r.id}`, now);
      } else applied = 'unmatched';
    }
    recordPspEvent(db, {
      psp, event_id: r.id, type: `report.${r.reportingCategory}`, object_id: r.sourceId || null, psp_created: r.created, source: 'report',
      payload_json: JSON.stringify(r), received_at: at, applied, note: null,
    });
  }
}

// ---- Reading runs (the store's reconciliation repository, re-exported) -----------------------

export { listItems, listRuns } from '../store/reconciliation-repo.js';
export type { ItemRow, RunRow } from '../store/reconciliation-repo.js';
