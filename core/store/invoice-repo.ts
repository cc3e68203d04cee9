// Reads and writes of the invoices between entities (migrations 0004 and 0011): the invoices and
// credit notes (immutable), what each order's legs have put on them (`invoice_items`, one row per
// order and posting run), the sums per month still to invoice (`invoice_totals`), the invoices a
// credit note corrects, and their sending.
import { sql, type Selectable } from 'kysely';
import { monthSumOf, type InvoiceKind, type MonthTotal, type StoredItem } from '../domain/periodic-invoices.js';
import type { Minor } from '../domain/money.js';
import type { KeyTable } from '../api/movement-keys.js';
import { itemKind } from '../domain/postings.js';
import { all, first, qb } from './query.js';
import type { InvoiceLinesTable, InvoicesTable } from './schema.js';
import type { Db } from './db.js';
import { lastIdSql, lockUntilCommit } from './dialect.js';
import { bulkInsert } from './bulk-insert.js';
import { dirtyMarker } from './change-triggers.js';
import { SumRows } from './sum-rows.js';

/** A stored invoice, as read back. */
export type InvoiceRow = Selectable<InvoicesTable>;
export type InvoiceLineRow = Selectable<InvoiceLinesTable>;

export interface InvoiceFilter {
  entities: readonly string[] | null;
  from?: string;
  to?: string;
  kind?: string;
  /** Only invoices not sent yet (true) or sent (false). */
  unsent?: boolean;
  limit?: number;
  offset?: number;
}

function filtered(f: InvoiceFilter) {
  let q = qb.selectFrom('invoices as i');
  if (f.entities) {
    const list = [...f.entities];
    q = q.where((eb) => eb.or([eb('i.supplier', 'in', list.length ? list : ['']), eb('i.customer', 'in', list.length ? list : [''])]));
  }
  if (f.from) q = q.where('i.issue_date', '>=', f.from);
  if (f.to) q = q.where('i.issue_date', '<=', f.to);
  if (f.kind) q = q.where('i.kind', '=', f.kind as InvoiceKind);
  if (f.unsent !== undefined) {
    q = q.where((eb) => {
      const sent = eb.exists(eb.selectFrom('invoice_deliveries as d').select('d.invoice_id').whereRef('d.invoice_id', '=', 'i.id'));
      return f.unsent ? eb.not(sent) : sent;
    });
  }
  return q;
}

export function listInvoices(db: Db, f: InvoiceFilter): { total: number; rows: (InvoiceRow & { sent_at: string | null })[] } {
  const total = Number(first(db, filtered(f).select((eb) => eb.fn.countAll<number>().as('n')))?.n ?? 0);
  let q = filtered(f).leftJoin('invoice_deliveries as d', 'd.invoice_id', 'i.id').selectAll('i').select('d.sent_at').orderBy('i.id');
  if (f.limit !== undefined) q = q.limit(f.limit).offset(f.offset ?? 0);
  return { total, rows: all(db, q) };
}

export function getInvoice(db: Db, idOrNumber: number | string): (InvoiceRow & { lines: InvoiceLineRow[]; sent_at: string | null }) | undefined {
  const q = qb.selectFrom('invoices as i').leftJoin('invoice_deliveries as d', 'd.invoice_id', 'i.id').selectAll('i').select('d.sent_at');
  const row = first(db, typeof idOrNumber === 'number' ? q.where('i.id', '=', idOrNumber) : q.where('i.number', '=', idOrNumber));
  if (!row) return undefined;
  return { ...row, lines: all(db, qb.selectFrom('invoice_lines').selectAll().where('invoice_id', '=', row.id).orderBy('seq')) };
}

export function invoiceLinesOf(db: Db, ids: readonly number[]): InvoiceLineRow[] {
  if (ids.length === 0) return [];
  return all(db, qb.selectFrom('invoice_lines').selectAll().where('invoice_id', 'in', [...ids]).orderBy('invoice_id').orderBy('seq'));
}

// ---- What the legs have put on invoices ------------------------------------------------------

/** Every item recorded for these orders, by order (append order). */
export function itemsForOrders(db: Db, orderIds: readonly string[]): Map<string, StoredItem[]> {
  const out = new Map<string, StoredItem[]>();
  if (orderIds.length === 0) return out;
  const rows = db.prepare('SELECT order_id, items_json FROM invoice_items WHERE order_id IN (SELECT value FROM json_each(?)) ORDER BY order_id, seq').raw()
    .all(JSON.stringify(orderIds)) as [string, string][];
  for (const [order, json] of rows) {
    let list = out.get(order);
    if (!list) out.set(order, (list = []));
    for (const item of JSON.parse(json) as StoredItem[]) list.push(item);
  }
  return out;
}

/** Writes a posting run's items: one row per order. */
export function itemWriter(db: Db) {
  const nextSeq = db.prepare('SELECT coalesce(max(seq), -1) + 1 FROM invoice_items WHERE order_id = ?').pluck();
  const putItems = bulkInsert(db, 'INSERT INTO invoice_items (order_id, seq, items_json, created_at) VALUES', 4);
  return {
    /**
     * Writes each order's items; `fresh` orders have none yet (a first import), so their row is
     * number 0 without a lookup. Rows go in order id order: the table's key grows at its end.
     * An order's items come as a list, or as its JSON already (computed on the settlement worker).
     */
    write(items: ReadonlyMap<string, StoredItem[] | string>, fresh: ReadonlySet<string>, at: string) {
      for (const order of [...items.keys()].sort()) {
        const list = items.get(order)!;
        putItems.add([order, fresh.has(order) ? 0 : (nextSeq.get(order) as number), typeof list === 'string' ? list : JSON.stringify(list), at]);
      }
      putItems.flush();
    },
  };
}

/** A credit note's reference to what it corrects: supplier, customer, currency, month, and the invoice number or `period:YYYY-MM`. */
export type CreditRef = [supplier: string, customer: string, currency: string, month: string, credits: string];

/**
 * What posting adds to the month sums (and the credit notes' references), summed in memory by
 * key until `write`, which adds each sum to its stored row (multi-row upserts). A run of posting
 * calls (the settlement runner's chunks) shares one and writes it once per transaction, or less
 * often: most chunks add to the same months' sums (at 100,000 orders, one write per chunk of 250
 * orders made twice as many upserts as there are sums). A month's sums are kept until its
 * invoice is issued, whose lines then carry them (migration 0017): those the run's end issued
 * from memory (books-finish.ts) are never written. The sums are rows of typed arrays by the
 * number of their key (periodic-invoices.ts monthSumKey) in `keys`, the run's KeyTable: an object
 * per sum, with its key's seven parts, was a seventh of what a run's collections promoted.
 */
export function monthTotals(db: Db, keys: KeyTable) {
  const sums = new SumRows();
  let listed: MonthTotal[] | null = null;
  const refs = new Map<string, CreditRef>();
  const putTotal = bulkInsert(db, 'INSERT INTO invoice_totals (supplier, customer, currency, month, kind, group_name, rate, base, net, vat, items) VALUES', 11, {
    accumulate: { key: ['supplier', 'customer', 'currency', 'month', 'kind', 'group_name', 'rate'], add: ['base', 'net', 'vat', 'items'] },
  });
  const putRef = bulkInsert(db, 'INSERT INTO invoice_credit_refs (supplier, customer, currency, month, credits) VALUES', 5, { tail: 'ON CONFLICT DO NOTHING' });
  const writeRefs = () => {
    for (const r of refs.values()) putRef.add(r);
    putRef.flush();
    refs.clear();
  };
  const list = (): MonthTotal[] => {
    if (listed) return listed;
    const out: MonthTotal[] = [];
    const a = sums.amounts;
    for (let r = 0; r < sums.n; r++) {
      const t = monthSumOf(keys.key(sums.key[r]!));
      t.base = a[r * 4]!;
      t.net = a[r * 4 + 1]!;
      t.vat = a[r * 4 + 2]!;
      t.items = a[r * 4 + 3]!;
      out.push(t);
    }
    return (listed = out);
  };
  return {
    /** Adds to the sum of key number `k` in `keys` (added if new). */
    add(k: number, base: Minor, net: Minor, vat: Minor, items: number) {
      sums.add(0, k, base, net, vat, items);
      listed = null;
    },
    /** Records that the credit note of the month of sum key number `k` corrects `ref` (an invoice number, or `period:YYYY-MM`). */
    addRef(k: number, ref: string) {
      const key = keys.key(k);
      const t = monthSumOf(key);
      refs.set(`${key}\u0000${ref}`, [t.supplier, t.customer, t.currency, t.month, ref]);
    },
    /** How many sums are held. */
    get size() { return sums.n; },
    /** The sums held, as objects (the same ones until something is added). */
    list,
    /** Sums and references waiting for `write`. */
    get pending() { return sums.n + refs.size; },
    /** Writes the references alone (issuing reads them; the sums wait). */
    writeRefs,
    /** Writes the sums (`keep`: those still to invoice, of `list`, when some were invoiced from memory) and the references. */
    write(keep?: (t: MonthTotal) => boolean) {
      for (const t of list()) if (!keep || keep(t)) putTotal.add([t.supplier, t.customer, t.currency, t.month, t.kind, t.group, t.rate, t.base, t.net, t.vat, t.items]);
      putTotal.flush();
      writeRefs();
      sums.clear();
      listed = null;
    },
  };
}

export type MonthTotals = ReturnType<typeof monthTotals>;

/** Keys (supplier|customer|currency|month) of the months whose periodic documents are issued. */
export function issuedPeriodicKeys(db: Db): Set<string> {
  const rows = db.prepare(`SELECT DISTINCT supplier, customer, currency, period FROM invoices WHERE period IS NOT NULL`).raw().all() as string[][];
  return new Set(rows.map((r) => r.join('|')));
}

/** Whether any month sum is not invoiced yet (the invoice_totals_pending index). */
export function hasPendingTotals(db: Db): boolean {
  return db.prepare('SELECT 1 FROM invoice_totals WHERE issued = 0 LIMIT 1').pluck().get() !== undefined;
}

/** Month sums not invoiced yet, for months up to `lastMonth` (the caller checks each supplier's own month end). */
export function pendingTotals(db: Db, lastMonth?: string): MonthTotal[] {
  let q = qb.selectFrom('invoice_totals').selectAll().where('issued', '=', 0);
  if (lastMonth) q = q.where('month', '<=', lastMonth);
  return all(db, q.orderBy('month').orderBy('supplier').orderBy('customer').orderBy('currency').orderBy('kind').orderBy('group_name').orderBy('rate'))
    .map((t) => ({ supplier: t.supplier, customer: t.customer, currency: t.currency, month: t.month, kind: t.kind, group: t.group_name, rate: t.rate, base: t.base, net: t.net, vat: t.vat, items: t.items }));
}

/**
 * What issuing a month's credit note reads, with statements prepared once (a month's end issues
 * thousands): the invoice numbers it corrects (per-order invoice numbers, or `period:YYYY-MM`),
 * and the number of a month's periodic invoice, when issued.
 */
export function creditRefReader(db: Db) {
  const credits = db.prepare('SELECT credits FROM invoice_credit_refs WHERE supplier = ? AND customer = ? AND currency = ? AND month = ? ORDER BY credits').pluck();
  const number = db.prepare("SELECT number FROM invoices WHERE supplier = ? AND customer = ? AND currency = ? AND period = ? AND kind = 'invoice' LIMIT 1").pluck();
  return {
    credits: (supplier: string, customer: string, currency: string, month: string) => credits.all(supplier, customer, currency, month) as string[],
    invoiceNumber: (supplier: string, customer: string, currency: string, month: string) => number.get(supplier, customer, currency, month) as string | undefined,
  };
}

export interface InvoiceInsert {
  series: string;
  kind: InvoiceKind;
  supplier: string;
  customer: string;
  issued_by: string;
  self_billed: boolean;
  issue_date: string;
  fiscal_year: string;
  period: string;
  currency: string;
  net: number;
  vat: number;
  vat_rate: string;
  credits: string | null;
  created_at: string;
  lines: { group: string; rate: string; description: string; base: number; net: number; vat: number; items: number }[];
}

/**
 * Issues periodic invoices: the next number of its series (gapless: read once per series per
 * run, counted here within the run's transaction), its lines, and its month sums deleted: its
 * lines carry them from then on (migration 0017).
 * Invoices and lines go in multi-row statements: call `flush` before anything reads them.
 */
export function invoiceIssuer(db: Db) {
  // Statements prepared once: a month's end issues thousands of invoices in one run.
  const next = db.prepare('SELECT COALESCE(MAX(seq), 0) + 1 FROM invoices WHERE series = ?').pluck();
  // Ids given here (AUTOINCREMENT: never below what was ever used), as the entry writer does.
  lockUntilCommit(db, 'invoices');
  const lastId = db.prepare(lastIdSql(db, 'invoices')).pluck();
  const put = bulkInsert(db, `INSERT INTO invoices (id, number, series, seq, kind, supplier, customer, issued_by, self_billed, issue_date, fiscal_year, period,
      group_name, currency, net, vat, total, vat_rate, order_id, line_id, source_key, credits, created_at) VALUES`, 23,
    { sqliteRows: 1 }); // wide rows: one per statement measured 10 to 15 % faster than 64 (docs/performance.md)
  const putLine = bulkInsert(db, `INSERT INTO invoice_lines (invoice_id, seq, group_name, rate, description, base, net, vat, items, fact, rule_ref, to_role) VALUES`, 12,
    { before: () => put.flush() });
  // The month sums an invoice covers are deleted together, in one statement at `flush`.
  const dropCovered = db.prepare(`DELETE FROM invoice_totals WHERE (supplier, customer, currency, month, kind) IN
    (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]'), json_extract(value, '$[4]') FROM json_each(?))`);
  const covered: [string, string, string, string, string][] = [];
  const seqs = new Map<string, number>();
  let id: number | null = null;
  // On a hub, each invoice goes to the change log for the replicas (core/store/replicated-set.ts:
  // its writer marks it; a trigger would cost a statement journal per insert).
  const mark = dirtyMarker(db, 'invoice');
  return {
    /** `stored`: the invoice covers stored month sums, which `flush` deletes (held ones are simply never written). */
    issue(inv: InvoiceInsert, stored = true): { id: number; number: string } {
      const seq = seqs.get(inv.series) ?? (next.get(inv.series) as number);
      seqs.set(inv.series, seq + 1);
      const number = `${inv.series}-${String(seq).padStart(6, '0')}`;
      const invoiceId = (id = (id ?? (lastId.get() as number)) + 1);
      put.add([invoiceId, number, inv.series, seq, inv.kind, inv.supplier, inv.customer, inv.issued_by, inv.self_billed ? 1 : 0, inv.issue_date,
        inv.fiscal_year, inv.period, null, inv.currency, inv.net, inv.vat, inv.net + inv.vat, inv.vat_rate, null, null, `period:${inv.period}`, inv.credits, inv.created_at]);
      inv.lines.forEach((l, i) => putLine.add([invoiceId, i, l.group, l.rate, l.description, l.base, l.net, l.vat, l.items, null, null, null]));
      if (stored) covered.push([inv.supplier, inv.customer, inv.currency, inv.period, inv.kind]);
      mark(invoiceId);
      return { id: invoiceId, number };
    },
    /** Writes the invoices issued so far and deletes the month sums they cover. */
    flush() {
      put.flush();
      putLine.flush();
      if (covered.length > 0) dropCovered.run(JSON.stringify(covered));
      covered.length = 0;
    },
  };
}

/**
 * The subledger row of an invoice's movements in daily books (decision 0020): its key stands
 * where an order's id does, `inv:` and the invoice number. The movements' fact ('invoice') tells
 * them from an order's should an order's id ever read the same.
 */
export const invoiceSubledgerKey = (number: string) => `inv:${number}`;

/**
 * Invoices whose books are not posted yet (an exchange rate was missing when they were issued):
 * no entry (detailed books) and no subledger row (daily books). An invoice is posted whole or not
 * at all, so either one says it is posted. `below`: only invoices of lower ids (those issued
 * earlier than a run whose own invoices its caller has in hand).
 */
export function unpostedInvoices(db: Db, below?: number): InvoiceRow[] {
  let q = qb.selectFrom('invoices as i').selectAll('i').where('i.period', 'is not', null);
  if (below !== undefined) q = q.where('i.id', '<', below);
  return all(db, q
    .where((eb) => eb.not(eb.exists(eb.selectFrom('journal_entries as e').select('e.id').whereRef('e.invoice_id', '=', 'i.id'))))
    .where((eb) => eb.not(eb.exists(eb.selectFrom('subledger as s').select('s.id').where('s.order_id', '=', sql<string>`'inv:' || i.number`))))
    .orderBy('i.id'));
}

// ---- Sending ---------------------------------------------------------------------------------

/** Records invoices as sent (once each); returns the ids newly recorded. */
export function markSent(db: Db, ids: readonly number[], at: string, by: string, channel: string): number[] {
  const put = db.prepare('INSERT INTO invoice_deliveries (invoice_id, sent_at, sent_by, channel) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING');
  return ids.filter((id) => put.run(id, at, by, channel).changes > 0);
}

// ---- Annex: the legs behind an invoice ---------------------------------------------------------

/**
 * The items of a periodic invoice: those of its supplier, customer, currency, month and kind,
 * read from the orders both parties share (the smaller side's orders, through order_parties).
 */
export function itemsOfInvoice(db: Db, inv: Pick<InvoiceRow, 'supplier' | 'customer' | 'currency' | 'period' | 'kind' | 'number'>): (StoredItem & { order: string })[] {
  const count = db.prepare('SELECT count(*) FROM order_parties WHERE entity = ?').pluck();
  const [small, other] = (count.get(inv.supplier) as number) <= (count.get(inv.customer) as number) ? [inv.supplier, inv.customer] : [inv.customer, inv.supplier];
  const rows = db.prepare(`SELECT i.order_id, i.items_json FROM order_parties p JOIN invoice_items i ON i.order_id = p.order_id
      WHERE p.entity = ? AND EXISTS (SELECT 1 FROM order_parties q WHERE q.entity = ? AND q.order_id = p.order_id) ORDER BY i.order_id, i.seq`)
    .raw().all(small, other) as [string, string][];
  const out: (StoredItem & { order: string })[] = [];
  for (const [order, json] of rows) {
    for (const item of JSON.parse(json) as StoredItem[]) {
      const [, , , , , supplier, customer, currency, month, , , net, vat, , , , legacy] = item;
      if (supplier !== inv.supplier || customer !== inv.customer || currency !== inv.currency) continue;
      if (inv.period === null ? legacy !== inv.number : legacy !== null || month !== inv.period || itemKind(net, vat) !== inv.kind) continue;
      out.push(Object.assign([...item] as StoredItem, { order }));
    }
  }
  return out;
}
