// Periodic invoices between entities (docs/accounting.md): the legs of a month between the same
// supplier and customer, in one currency, go on one invoice (and the amounts taken back on one
// credit note), issued at the month's end, with one line per rule group and rate (CGI art. 289:
// distinct supplies between the same parties within a month may be invoiced together). Pure:
// which month an amount goes to, the invoices of a month from its sums, series and wording.
import { groupLabel, type InvoicedLeg, type ItemDraft } from './postings.js';
import { nextOpenMonth } from './books-calendar.js';
import { Dec, type Minor } from './money.js';

export type InvoiceKind = 'invoice' | 'credit_note';

/** Sums of a month's legs for one invoice line: supplier, customer, currency, month, kind, group, rate. */
export interface MonthTotal {
  supplier: string;
  customer: string;
  currency: string;
  month: string;
  kind: InvoiceKind;
  group: string;
  rate: string;
  /** Signed like the legs: negative on a credit note. */
  base: Minor;
  net: Minor;
  vat: Minor;
  items: number;
}

/**
 * The key of a month sum (supplier, customer, currency, month, kind, rule group and rate),
 * numbered in a run's KeyTable beside the movements' keys (core/api/movement-keys.ts), where
 * MonthTotals hold their sums (invoice-repo.ts).
 */
export const monthSumKey = (t: Pick<MonthTotal, 'supplier' | 'customer' | 'currency' | 'month' | 'kind' | 'group' | 'rate'>) =>
  `\u0001${t.supplier}\u0000${t.customer}\u0000${t.currency}\u0000${t.month}\u0000${t.kind}\u0000${t.group}\u0000${t.rate}`;
/** A month sum of nothing yet, from its key. */
export function monthSumOf(key: string): MonthTotal {
  const [supplier, customer, currency, month, kind, group, rate] = key.slice(1).split('\u0000') as [string, string, string, string, InvoiceKind, string, string];
  return { supplier, customer, currency, month, kind, group, rate, base: 0, net: 0, vat: 0, items: 0 };
}

export interface PeriodicInvoiceDraft {
  supplier: string;
  customer: string;
  currency: string;
  month: string;
  kind: InvoiceKind;
  /** Positive amounts, one line per rule group and rate. */
  lines: { group: string; rate: string; base: Minor; net: Minor; vat: Minor; items: number; description: string }[];
  net: Minor;
  vat: Minor;
}

export const periodicKey = (supplier: string, customer: string, currency: string, month: string, kind: InvoiceKind) =>
  `${supplier}|${customer}|${currency}|${month}|${kind}`;

/** Invoice series: FAC-<SUPPLIER>-<FISCAL YEAR>, credit notes AV-<SUPPLIER>-<FISCAL YEAR>. */
export const periodicSeries = (kind: InvoiceKind, supplier: string, fiscalYear: string) => `${kind === 'invoice' ? 'FAC' : 'AV'}-${supplier}-${fiscalYear}`;

const pct = (rate: string) => `${new Dec(rate).times(100).toFixed().replace('.', ',')} %`;

/** "Commission 5 %" per group and rate: a month's end writes thousands of lines with a few dozen of these. */
const heads = new Map<string, string>();
function lineHead(group: string, rate: string): string {
  const key = `${group}\u0000${rate}`;
  let h = heads.get(key);
  if (h === undefined) {
    if (heads.size > 10_000) heads.clear();
    heads.set(key, (h = `${groupLabel(group)} ${pct(rate)}`));
  }
  return h;
}

/** "Commission 5 % — 12 mouvements" */
export function lineDescription(group: string, rate: string, items: number): string {
  return `${lineHead(group, rate)} — ${items} mouvement${items > 1 ? 's' : ''} (détail en annexe)`;
}

/**
 * The month an amount goes on: the month of its event in the supplier's zone, moved to the first
 * open month when that one is closed, and to the current month when the month's documents between
 * the same parties were already issued (an event that arrives late: no document is backdated).
 */
export function itemMonth(eventMonth: string, closed: ReadonlySet<string>, issued: (month: string) => boolean, currentMonth: string): string {
  let month = eventMonth;
  if (closed.has(month)) month = nextOpenMonth(month, closed);
  if (issued(month)) month = currentMonth > month ? currentMonth : nextOpenMonth(month, new Set());
  return month;
}

/**
 * The invoices and credit notes of the month sums given (each key once): invoices before credit
 * notes, so that a credit note can name the invoice of its own month, then by month, supplier,
 * customer and currency; lines by group, then rate.
 */
export function periodicInvoices(totals: readonly MonthTotal[]): PeriodicInvoiceDraft[] {
  // The sums sorted by document, then line, so that each document's sums are consecutive and in
  // its lines' order: a month's end has hundreds of thousands, which a Map by each document's key
  // as text, then a sort of the documents and of each one's lines, took four times as long.
  const { doc, line, lines } = sortKeys(totals);
  const order = sortedOrder(doc, line, lines);
  const out: PeriodicInvoiceDraft[] = [];
  let inv: PeriodicInvoiceDraft | null = null;
  let invDoc = -1;
  for (const i of order) {
    const t = totals[i]!;
    if (doc[i] !== invDoc) {
      if (inv && inv.lines.length > 0) out.push(inv);
      inv = { supplier: t.supplier, customer: t.customer, currency: t.currency, month: t.month, kind: t.kind, lines: [], net: 0, vat: 0 };
      invDoc = doc[i]!;
    }
    if (t.net === 0 && t.vat === 0) continue;
    const s = t.kind === 'invoice' ? 1 : -1;
    inv!.lines.push({ group: t.group, rate: t.rate, base: s * t.base, net: s * t.net, vat: s * t.vat, items: t.items, description: lineDescription(t.group, t.rate, t.items) });
    inv!.net += s * t.net;
    inv!.vat += s * t.vat;
  }
  if (inv && inv.lines.length > 0) out.push(inv);
  return out;
}

/**
 * Each sum's place as a number: its document's (kind, month, supplier, customer, currency) and
 * its line's within it (group, rate), from the rank of each value among the values met (text
 * in code-unit order, rates by value). Both fit a double exactly: a few hundred values of each.
 */
function sortKeys(totals: readonly MonthTotal[]): { doc: Float64Array; line: Float64Array; lines: number } {
  const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const months = ranks(totals, (t) => t.month, text);
  const entities = ranks(totals, (t) => t.supplier, text, (t) => t.customer);
  const currencies = ranks(totals, (t) => t.currency, text);
  const groups = ranks(totals, (t) => t.group, text);
  const rates = ranks(totals, (t) => t.rate, (a, b) => new Dec(a).cmp(b));
  const doc = new Float64Array(totals.length);
  const line = new Float64Array(totals.length);
  totals.forEach((t, i) => {
    doc[i] = (((t.kind === 'invoice' ? 0 : 1) * months.size + months.get(t.month)!) * entities.size + entities.get(t.supplier)!) * entities.size * currencies.size
      + entities.get(t.customer)! * currencies.size + currencies.get(t.currency)!;
    line[i] = groups.get(t.group)! * rates.size + rates.get(t.rate)!;
  });
  return { doc, line, lines: groups.size * rates.size };
}

/**
 * Indexes of the sums by document, then line, then index (`lines`: above every line's number).
 * As one number each where it fits a double exactly, sorted natively: five times faster than
 * with a comparator, which sorts the rest.
 */
export function sortedOrder(doc: Float64Array, line: Float64Array, lines: number): ArrayLike<number> & Iterable<number> {
  const n = doc.length;
  let max = 0;
  for (let i = 0; i < n; i++) if (doc[i]! > max) max = doc[i]!;
  if ((max + 1) * lines * n < Number.MAX_SAFE_INTEGER) {
    const packed = new Float64Array(n);
    for (let i = 0; i < n; i++) packed[i] = (doc[i]! * lines + line[i]!) * n + i;
    packed.sort();
    return packed.map((p) => p % n);
  }
  return new Uint32Array(n).map((_, i) => i).sort((a, b) => doc[a]! - doc[b]! || line[a]! - line[b]! || a - b);
}

/** The rank of each distinct value (values equal by `cmp` share one). */
function ranks<T>(items: readonly T[], value: (t: T) => string, cmp: (a: string, b: string) => number, also?: (t: T) => string): Map<string, number> {
  const seen = new Set<string>();
  for (const t of items) { seen.add(value(t)); if (also) seen.add(also(t)); }
  const sorted = [...seen].sort(cmp);
  const out = new Map<string, number>();
  sorted.forEach((v, i) => out.set(v, i > 0 && cmp(sorted[i - 1]!, v) === 0 ? out.get(sorted[i - 1]!)! : i));
  return out;
}

const MONTHS = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'];
/** "2026-03" → "mars 2026" */
export const frMonth = (m: string) => `${MONTHS[Number(m.slice(5, 7)) - 1]} ${m.slice(0, 4)}`;

/** What a periodic document's entries say it covers: "commissions et redevances de mars 2026". */
export const periodicTitle = (month: string) => `commissions et redevances de ${frMonth(month)}`;

// ---------------------------------------------------------------------------------------------
// Items as stored (invoice_items.items_json): compact arrays, one per leg amount.

export type StoredItem = [
  event: string, fact: string, group: string, rule: string, to_role: string, supplier: string, customer: string, currency: string, month: string,
  base: Minor, rate: string, net: Minor, vat: Minor, at: string, line: string, description: string, invoice: string | null,
];

export function storedItem(d: ItemDraft, month: string): StoredItem {
  return [d.event, d.fact, d.group, d.rule, d.to_role, d.supplier, d.customer, d.currency, month, d.base, d.rate, d.amount, d.vat, d.at, d.line, d.description, null];
}

export function invoicedLeg(s: StoredItem): InvoicedLeg {
  const [event, fact, group, rule, to_role, supplier, customer, currency, month, base, rate, net, vat, at, line, description, invoice] = s;
  return { event, fact, group, rule, to_role, supplier, customer, currency, month, base, rate, net, vat, at, line, description, invoice };
}
