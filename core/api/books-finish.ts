// What the clock decides, after a posting run: the periodic invoices of months that are over
// and their books, and the one entry of each day that is over in daily books (docs/accounting.md).
import { firstOpenDate, lastDayOfMonth, monthOf } from '../domain/books-calendar.js';
import { dailyLabel, dailyPiece } from '../domain/daily-books.js';
import { periodicInvoices, periodicKey, periodicSeries, type MonthTotal, type PeriodicInvoiceDraft } from '../domain/periodic-invoices.js';
import { PostingError } from '../domain/postings.js';
import { isoUtc } from '../domain/time.js';
import { zonedStartOfDayIso } from '../domain/time-zone.js';
import { entryWriter, issueEvents, loadBooksSetup, type BooksSetup } from '../store/books-repo.js';
import { creditRefReader, hasPendingTotals, invoiceIssuer, invoiceSubledgerKey, pendingTotals, unpostedInvoices, type MonthTotals } from '../store/invoice-repo.js';
import type { Db } from '../store/db.js';
import { byDay, dayJournal, dayKey, heldHead, openBatches, type DailyBatches } from '../store/subledger-repo.js';
import { invoiceBooks, type InvoiceToPost, type OrderBooks } from './books-compute.js';
import { PostingWriter, dateOf, emptyRun, fiscalYearName, validAt, type PostingRun, type SharedPosting } from './posting-writer.js';
import type { KeyTable } from './movement-keys.js';
import type { ChunkComputer } from './settle-pool.js';

/** Today's date in an entity's zone. */
const todayOf = (setup: BooksSetup, entity: string, now: Date) => dateOf(isoUtc(now.getTime()), setup.entities.get(entity)?.time_zone ?? 'Europe/Paris');

/** Invoices handed to the settlement run's computer at a time (settle-pool.ts). */
export const INVOICE_CHUNK = 1000;

/**
 * The books of the invoices being issued, computed as they are issued: by the settlement run's
 * computer when there is one (on its worker while this thread goes on issuing), in chunks, else
 * when they are read.
 */
function invoiceBooksQueue(setup: BooksSetup, now: Date, computer: ChunkComputer | null) {
  let chunk: InvoiceToPost[] = [];
  let chunks = 0;
  const submit = () => {
    if (chunk.length === 0) return;
    computer!.submit({ invoices: chunk });
    chunks++;
    chunk = [];
  };
  return {
    /** An invoice just issued. */
    push(inv: InvoiceToPost) {
      if (!computer) return;
      chunk.push(inv);
      if (chunk.length === INVOICE_CHUNK) submit();
    },
    /** The books of `issued`, every invoice pushed, in order, their movements' keys numbered in `keys` (the computer's, when there is one). */
    *books(issued: readonly InvoiceToPost[], keys: KeyTable): Generator<OrderBooks> {
      if (!computer) { for (const inv of issued) yield invoiceBooks(setup, inv, now, keys); return; }
      submit();
      for (; chunks > 0; chunks--) yield* computer.take() as OrderBooks[]; // invoices were handed over
    },
  };
}

/**
 * The month sums whose month is over: those `held` in memory (a settlement run's, not written
 * yet: an import's) when no sum is stored pending (`fromMemory`: the held sums, which the caller
 * writes), else every sum stored pending, the held ones written first (`fromMemory` null).
 */
function dueTotals(db: Db, isDue: (t: MonthTotal) => boolean, held: MonthTotals | undefined): { due: MonthTotal[]; fromMemory: MonthTotals | null } {
  if (held && held.size > 0) {
    if (!hasPendingTotals(db)) return { due: held.list().filter(isDue), fromMemory: held };
    held.write();
  }
  return { due: pendingTotals(db).filter(isDue), fromMemory: null };
}

/** Sums of nothing whose invoice has no line, so was not issued (rare: each stays pending, as a stored one does). */
function notIssued(due: readonly MonthTotal[], drafts: readonly PeriodicInvoiceDraft[]): Set<MonthTotal> {
  const zero = due.filter((t) => t.net === 0 && t.vat === 0);
  if (zero.length === 0) return new Set();
  const issued = new Set(drafts.map((d) => periodicKey(d.supplier, d.customer, d.currency, d.month, d.kind)));
  return new Set(zero.filter((t) => !issued.has(periodicKey(t.supplier, t.customer, t.currency, t.month, t.kind))));
}

/**
 * Issues the periodic invoices and credit notes of every month that is over in its supplier's
 * zone, from the stored month sums or those `held` in memory (`dueTotals`; it writes the held
 * ones); returns them in id order.
 */
function issueDueInvoices(db: Db, setup: BooksSetup, now: Date, run: PostingRun, onIssued: (inv: InvoiceToPost) => void, held?: MonthTotals): InvoiceToPost[] {
  // A month is over when the supplier's today is in a later month (today computed once per supplier).
  const months = new Map<string, string>();
  const monthNow = (supplier: string) => {
    let m = months.get(supplier);
    if (m === undefined) months.set(supplier, (m = monthOf(todayOf(setup, supplier, now))));
    return m;
  };
  // Credit notes read the references: the held ones are written first.
  held?.writeRefs();
  const isDue = (t: MonthTotal) => t.month < monthNow(t.supplier);
  const { due, fromMemory } = dueTotals(db, isDue, held);
  if (due.length === 0) { fromMemory?.write(); return []; }
  const issuer = invoiceIssuer(db);
  const refs = creditRefReader(db);
  // Invoices issued by this run are written at its end: a credit note finds them here first.
  const issuedNow = new Map<string, string>();
  const issuedInvoice = (supplier: string, customer: string, currency: string, month: string) =>
    issuedNow.get(`${supplier}|${customer}|${currency}|${month}`) ?? refs.invoiceNumber(supplier, customer, currency, month);
  const issued: InvoiceToPost[] = [];
  const createdAt = now.toISOString();
  const drafts = periodicInvoices(due);
  for (const inv of drafts) {
    const supplier = setup.entities.get(inv.supplier);
    if (!supplier) throw new PostingError('unknown_entity', `entity ${inv.supplier} is not in the network`);
    // Dated on the month's last day, or the first open day after it when the supplier closed it.
    const issueDate = firstOpenDate(lastDayOfMonth(inv.month), setup.closedMonths(inv.supplier)).date;
    const fy = fiscalYearName(issueDate, supplier.fiscal_year_end);
    const credits = inv.kind === 'credit_note'
      ? refs.credits(inv.supplier, inv.customer, inv.currency, inv.month)
        .map((r) => (r.startsWith('period:') ? issuedInvoice(inv.supplier, inv.customer, inv.currency, r.slice(7)) : r))
        .filter((r): r is string => !!r)
      : [];
    const selfBilled = setup.selfBilled(inv.supplier);
    const done = issuer.issue({
      series: periodicSeries(inv.kind, inv.supplier, fy), kind: inv.kind, supplier: inv.supplier, customer: inv.customer,
      issued_by: selfBilled ? setup.platform : inv.supplier, self_billed: selfBilled, issue_date: issueDate, fiscal_year: fy, period: inv.month,
      currency: inv.currency, net: inv.net, vat: inv.vat, vat_rate: setup.commissionVatRate, credits: credits.length ? [...new Set(credits)].join(', ') : null,
      created_at: createdAt, lines: inv.lines,
    }, fromMemory === null);
    if (inv.kind === 'invoice') issuedNow.set(`${inv.supplier}|${inv.customer}|${inv.currency}|${inv.month}`, done.number);
    const posted: InvoiceToPost = { id: done.id, number: done.number, kind: inv.kind, supplier: inv.supplier, customer: inv.customer, currency: inv.currency,
      net: inv.net, vat: inv.vat, issue_date: issueDate, period: inv.month };
    issued.push(posted);
    onIssued(posted);
    run.invoices++;
  }
  issuer.flush();
  // Held sums whose invoice is issued are not written, as flush deleted the stored ones.
  if (fromMemory) {
    const pending = notIssued(due, drafts);
    fromMemory.write((t) => !isDue(t) || pending.has(t));
  }
  return issued;
}

/**
 * Posts the books of periodic invoices that have none yet: those just issued (`issued`, their
 * books computed as they were issued) and those left without (a rate was missing when they were
 * issued, read back): an entry each in detailed books, and in daily books movements of the
 * subledger (under the invoice's `subledgerKey`) that the day's entry sums (decision 0020).
 */
function postInvoiceBooks(db: Db, setup: BooksSetup, now: Date, run: PostingRun, pending: Set<string>, issued: readonly InvoiceToPost[],
  books: (keys: KeyTable) => Iterable<OrderBooks>, shared?: SharedPosting, keys?: KeyTable) {
  // Every invoice stored before this run's has a lower id (the issuer numbers above them).
  const earlier = unpostedInvoices(db, issued[0]?.id);
  if (earlier.length === 0 && issued.length === 0) return;
  const writer = new PostingWriter(db, setup, now, run, pending, shared, keys);
  for (const inv of earlier) writer.addFirst(invoiceSubledgerKey(inv.number), invoiceBooks(setup, inv, now, writer.keys));
  let i = 0;
  for (const b of books(writer.keys)) writer.addFirst(invoiceSubledgerKey(issued[i++]!.number), b);
  writer.flush();
}

/**
 * Writes the one entry of each account set of each day that is over, in daily books: of the
 * batches stored open and, first writing the others, of those a settlement run holds (`held`)
 * that were never written, from memory (each then written once, already pointed at its entry).
 */
function journalizeDays(db: Db, setup: BooksSetup, now: Date, run: PostingRun, held?: DailyBatches) {
  const todays = new Map<string, string>();
  const today = (entity: string) => {
    let t = todays.get(entity);
    if (t === undefined) todays.set(entity, (t = todayOf(setup, entity, now)));
    return t;
  };
  const fromMemory = held ? held.takeOver((entity, date) => date < today(entity)) : [];
  held?.write();
  const stored = openBatches(db).filter((b) => b.entry_date < today(b.entity));
  if (stored.length === 0 && fromMemory.length === 0) return;
  const due = fromMemory.length === 0 ? stored : stored.length === 0 ? fromMemory : [...stored, ...fromMemory].sort(byDay);
  const days = dayJournal(db);
  const heads = stored.length > 0 ? days.openHeads() : new Map<number, string>();
  for (const b of fromMemory) {
    const head = heldHead(b.sums);
    if (head !== undefined) heads.set(b.id, head);
  }
  // A day's rank goes on from its batches journalized earlier (a late batch), cancelled ones included.
  const ranks = days.journalizedDays(fromMemory);
  // Each entry is written as it is built, so it dies young rather than living until the last is;
  // then every stored batch is pointed at its entry in one statement and every held one written
  // with it; then every entry's lines are written from its batch's sums in one.
  const writer = entryWriter(db);
  const entryOf = new Map<number, number>(); // 0: the batch's movements cancelled out
  const written: number[] = [];
  for (const b of due) {
    const ent = setup.entities.get(b.entity)!;
    const day = dayKey(b.entity, b.journal, b.entry_date);
    const rank = (ranks.get(day) ?? 0) + 1;
    ranks.set(day, rank);
    const head = heads.get(b.id);
    if (head === undefined) { entryOf.set(b.id, 0); continue; }
    const piece = dailyPiece(b.journal, b.entry_date, rank);
    const { id } = writer.insert({
      entity: b.entity, journal: b.journal, fiscal_year: fiscalYearName(b.entry_date, ent.fiscal_year_end), entry_date: b.entry_date,
      event_at: zonedStartOfDayIso(b.entry_date, ent.time_zone), shifted: false, adjustment: false, valid_at: validAt(now, b.entry_date, ent.time_zone),
      label: dailyLabel(b.journal, b.entry_date, b.movements, piece), piece_ref: piece, piece_date: b.entry_date, source_key: `day:${b.id}`,
      order_id: null, transfer_id: null, invoice_id: null, currency: b.currency, orig_currency: head, fx_rate: null, fx_date: null, lines: [],
    });
    entryOf.set(b.id, id);
    written.push(id);
  }
  const storedIds = stored.map((b) => b.id);
  days.setEntries(storedIds, storedIds.map((b) => entryOf.get(b)!));
  held?.writeJournalized(fromMemory, entryOf);
  writer.insertDayLines(written);
  run.entries += written.length;
}

/**
 * What the clock decides, after a posting run: the invoices of months that are over (and their
 * entries), entries of invoices left without one, and the entries of days that are over in
 * daily books. Idempotent: nothing is due twice. `held`: what a settlement run holds and has not
 * written yet (sharedPosting): its month sums, which it issues from memory and writes, and its
 * daily batches, which take the invoices' movements and are written here.
 */
export function finishBooks(db: Db, now: Date, setup: BooksSetup = loadBooksSetup(db), computer: ChunkComputer | null = null, held?: SharedPosting): PostingRun {
  // The computer's results number their keys in its table: the batches that count them must too.
  if (held && computer && held.batches.keys !== computer.keys) throw new Error('finishBooks: the held batches and the computer number movement keys in different tables');
  const run = emptyRun();
  const books = invoiceBooksQueue(setup, now, computer);
  const issued = issueDueInvoices(db, setup, now, run, (inv) => books.push(inv), held?.sums);
  postInvoiceBooks(db, setup, now, run, issueEvents(db), issued, (keys) => books.books(issued, keys), held, computer?.keys);
  journalizeDays(db, setup, now, run, held?.batches);
  return run;
}
