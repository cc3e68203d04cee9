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

/** The invoices and credit notes of the month sums given (each key once), lines sorted by group and rate. */
export function periodicInvoices(totals: readonly MonthTotal[]): PeriodicInvoiceDraft[] {
  const byKey = new Map<string, PeriodicInvoiceDraft>();
  for (const t of totals) {
    const k = periodicKey(t.supplier, t.customer, t.currency, t.month, t.kind);
    let inv = byKey.get(k);
    if (!inv) byKey.set(k, (inv = { supplier: t.supplier, customer: t.customer, currency: t.currency, month: t.month, kind: t.kind, lines: [], net: 0, vat: 0 }));
    const s = t.kind === 'invoice' ? 1 : -1;
    if (t.net === 0 && t.vat === 0) continue;
    inv.lines.push({ group: t.group, rate: t.rate, base: s * t.base, net: s * t.net, vat: s * t.vat, items: t.items, description: lineDescription(t.group, t.rate, t.items) });
    inv.net += s * t.net;
    inv.vat += s * t.vat;
  }
  const out = [...byKey.values()].filter((i) => i.lines.length > 0);
  for (const i of out) i.lines.sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : new Dec(a.rate).cmp(b.rate)));
  // Invoices before credit notes, so a credit note can name the invoice of its own month.
  return out.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'invoice' ? -1 : 1) || (a.month < b.month ? -1 : a.month > b.month ? 1 : 0)
    || (a.supplier < b.supplier ? -1 : a.supplier > b.supplier ? 1 : 0) || (a.customer < b.customer ? -1 : a.customer > b.customer ? 1 : 0)
    || (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0));
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
