// Keeps each entity's books following the settled state, with no manual step (docs/spec.md section 9,
// docs/accounting.md). After orders are settled (import, events, re-settlement: the settlement
// runner calls `postOrderBooks` in the same transaction, chunk by chunk) and after release runs
// write transfers (`postTransferBooks`), it computes what the books should hold
// (core/domain/postings.ts), compares it with what is posted, and writes only the difference:
// new, numbered, immutable entries in detailed books, subledger movements in daily books, and the
// legs to invoice in the month's sums. `finishBooks` then does what the clock decides: the
// periodic invoices of months that are over, their entries, and the one entry of each day that is
// over in daily books.
//
// An event that cannot be posted (no exchange rate for an entity's book currency) is skipped as a
// whole, in every book, and reported with a named error; the next run posts it once the rate
// exists (dated in the first open period if its own is closed by then).
import { buildContext } from '../domain/context.js';
import { ACCOUNT_NUMBER, type AccountRole } from '../domain/books-accounts.js';
import { accountingDate, fiscalYearOf, firstOpenDate, lastDayOfMonth, monthOf } from '../domain/books-calendar.js';
import { FxRateMissingError, convertBalanced, findRate } from '../domain/books-fx.js';
import { dailyLabel, dailyPiece } from '../domain/daily-books.js';
import {
  invoicedLeg, itemMonth, periodicInvoices, periodicKey, periodicSeries, periodicTitle, storedItem, type MonthTotal, type StoredItem,
} from '../domain/periodic-invoices.js';
import {
  PostingError, draftEntries, draftItems, invoiceMovements, itemKind, orderMovements, transferMovements,
  type DraftEntry, type ItemDraft, type OrderBooksInput, type PostedLine,
} from '../domain/postings.js';
import { eventsByOrder, settleOrder } from '../domain/settle.js';
import { isoUtc } from '../domain/time.js';
import { zonedStartOfDayIso } from '../domain/time-zone.js';
import {
  allOrderIds, clearPostingIssues, entryWriter, issueEvents, loadBooksSetup, postedForOrders, postedForTransfers, recordPostingIssue, unpostedTransfers,
  type BooksSetup, type EntryInsert,
} from '../store/books-repo.js';
import {
  creditRefs, invoiceIssuer, invoiceSubledgerKey, issuedPeriodicKeys, itemWriter, itemsForOrders, pendingTotals, periodicInvoiceNumber, unpostedInvoices,
} from '../store/invoice-repo.js';
import { loadEvents, loadNetwork, loadOrders, loadRules } from '../store/scenario-repo.js';
import type { Db } from '../store/db.js';
import { dailyWriter, dayJournal, openBatches, postedFromSubledger, type DailyBatches } from '../store/subledger-repo.js';
import { storedAsOf } from './settle-compute.js';

export interface PostingIssue {
  code: string;
  message: string;
  event: string;
  order: string | null;
  transfer: string | null;
}

export interface PostingRun {
  /** Journal entries written. */
  entries: number;
  /** Periodic invoices and credit notes issued. */
  invoices: number;
  /** Movements recorded in daily books' subledger (their entry comes once the day is over). */
  movements: number;
  issues: PostingIssue[];
}

const emptyRun = (): PostingRun => ({ entries: 0, invoices: 0, movements: 0, issues: [] });
const addRun = (run: PostingRun, r: PostingRun) => { run.entries += r.entries; run.invoices += r.invoices; run.movements += r.movements; run.issues.push(...r.issues); };

// ---- Dates, cached where thousands of entries share a few hundred days -------------------------

let lastNowMs = NaN;
let lastNowText = '';
const dayStarts = new Map<string, string>();
/** The validation time: now, or the start of the entry's day (in its book's zone) when the clock is behind it. */
function validAt(now: Date, date: string, zone: string): string {
  if (now.getTime() !== lastNowMs) { lastNowMs = now.getTime(); lastNowText = isoUtc(now.getTime()); }
  const key = `${zone}|${date}`;
  let day = dayStarts.get(key);
  if (day === undefined) {
    if (dayStarts.size > 100_000) dayStarts.clear();
    dayStarts.set(key, (day = zonedStartOfDayIso(date, zone)));
  }
  return lastNowText < day ? day : lastNowText;
}

// An instant's date is not cached: instants are mostly distinct (one per event), and a map of
// their keys cost four times what computing the date costs (zone offsets are cached).
const dateOf = accountingDate;

const fyCache = new Map<string, string>();
function fiscalYearName(date: string, fye: string): string {
  const key = `${date}|${fye}`;
  let n = fyCache.get(key);
  if (n === undefined) {
    if (fyCache.size > 100_000) fyCache.clear();
    fyCache.set(key, (n = fiscalYearOf(date, fye).name));
  }
  return n;
}

// ---- From a draft to the rows of an entity's books ---------------------------------------------

interface Prepared {
  draft: DraftEntry;
  insert: Omit<EntryInsert, 'piece_ref' | 'piece_date' | 'invoice_id'>;
  daily: boolean;
}

/** Turns a draft into book amounts, dates and accounts; throws FxRateMissingError / PostingError. */
function prepareEntry(setup: BooksSetup, d: DraftEntry, now: Date, batchable: boolean): Prepared {
  const ent = setup.entities.get(d.entity);
  if (!ent) throw new PostingError('unknown_entity', `entity ${d.entity} is not in the network`);
  const chart = setup.chart(d.entity);
  const zone = ent.time_zone;
  const eventDate = dateOf(d.eventAt, zone);
  let amounts = d.lines.map((l) => l.amount);
  let fx: { rate: string; date: string } | null = null;
  if (d.currency !== ent.currency) {
    const r = findRate(setup.fxRates, d.currency, ent.currency, eventDate);
    if (!r) throw new FxRateMissingError(d.currency, ent.currency, eventDate);
    amounts = convertBalanced(amounts, d.currency, ent.currency, r.rate);
    fx = { rate: r.rate, date: r.date };
  }
  const wanted = dateOf(d.at, zone);
  const { date, shifted } = firstOpenDate(wanted, setup.closedMonths(d.entity));
  const label = shifted ? `${d.label} (période close : événement du ${wanted})` : d.label;
  const lines = d.lines.map((l, i) => {
    const account = chart.mapping[l.role as AccountRole];
    if (!account || !chart.accounts.has(account) || !ACCOUNT_NUMBER.test(account)) {
      throw new PostingError('unknown_account', `${d.entity} maps ${l.role} to ${JSON.stringify(account)}, which is not in its chart of accounts`);
    }
    const a = amounts[i]!;
    return { fact: l.fact, role: l.role, account, aux: l.aux, debit: a > 0 ? a : 0, credit: a < 0 ? -a : 0, label, amount_orig: l.amount };
  });
  return {
    draft: d,
    // Orders' and periodic invoices' movements follow the entity's granularity (decision 0020);
    // transfers keep an entry each.
    daily: batchable && setup.granularity(d.entity, monthOf(date)) === 'daily',
    insert: {
      entity: d.entity, journal: d.journal, fiscal_year: fiscalYearName(date, ent.fiscal_year_end), entry_date: date, event_at: d.eventAt,
      shifted, adjustment: d.adjustment, valid_at: validAt(now, date, zone), label, source_key: d.event,
      order_id: d.order, transfer_id: d.transfer, currency: ent.currency, orig_currency: d.currency, fx_rate: fx?.rate ?? null, fx_date: fx?.date ?? null,
      lines,
    },
  };
}

/**
 * What a posting run writes, gathered and then written table by table: detailed entries, the
 * daily books' movements, and the legs to invoice with their month sums.
 */
class PostingWriter {
  private readonly entries: EntryInsert[] = [];
  private readonly daily;
  private readonly items = new Map<string, StoredItem[]>();
  private readonly totals = new Map<string, MonthTotal>();
  private readonly refs = new Map<string, [string, string, string, string, string]>();
  private issued: Set<string> | null = null;

  constructor(private readonly db: Db, private readonly setup: BooksSetup, private readonly now: Date, readonly run: PostingRun, private readonly pending: Set<string>,
    batches?: DailyBatches) {
    this.daily = dailyWriter(db, batches);
  }

  /** Prepares drafts, skipping every event that cannot be posted; returns the events skipped. `batchable`: daily books may take them. */
  prepareAll(drafts: readonly DraftEntry[], batchable: boolean): { prepared: Prepared[]; failed: Set<string> } {
    const prepared: Prepared[] = [];
    const failed = new Set<string>();
    for (const d of drafts) {
      if (failed.has(d.event)) continue;
      try {
        prepared.push(prepareEntry(this.setup, d, this.now, batchable));
      } catch (e) {
        if (!(e instanceof FxRateMissingError) && !(e instanceof PostingError)) throw e;
        failed.add(d.event);
        const issue = { code: e.code, message: `${d.event}: ${e.message}`, event: d.event, order: d.order, transfer: d.transfer };
        this.run.issues.push(issue);
        recordPostingIssue(this.db, { ...issue, entities: drafts.filter((x) => x.event === d.event).map((x) => x.entity), eventAt: d.eventAt }, this.now.toISOString());
        this.pending.add(d.event);
      }
    }
    if (this.pending.size > 0) {
      const done = [...new Set(drafts.map((d) => d.event))].filter((e) => this.pending.has(e) && !failed.has(e));
      clearPostingIssues(this.db, done);
      for (const e of done) this.pending.delete(e);
    }
    return { prepared: prepared.filter((p) => !failed.has(p.draft.event)), failed };
  }

  /**
   * Queues prepared entries: detailed ones as entries, daily ones as subledger movements under
   * `detail` (an order's id, or an invoice's `subledgerKey`).
   */
  add(prepared: readonly Prepared[], detail: string | null, invoiceId: number | null = null) {
    for (const p of prepared) {
      const d = p.draft;
      const zone = this.setup.entities.get(d.entity)!.time_zone;
      if (p.daily && detail !== null) {
        const i = p.insert;
        this.daily.add(detail, {
          entity: i.entity, journal: i.journal, date: i.entry_date, currency: i.currency, event: d.event, eventAt: d.eventAt, label: i.label,
          lines: i.lines.map((l) => ({ role: l.role, account: l.account, aux: l.aux, amount: l.debit - l.credit, amount_orig: l.amount_orig, orig_currency: i.orig_currency, fact: l.fact })),
        });
        this.run.movements++;
      } else {
        this.entries.push({ ...p.insert, piece_ref: d.piece.ref, piece_date: dateOf(d.eventAt, zone), invoice_id: invoiceId });
      }
    }
  }

  /** Queues the leg amounts of an order for the month's invoices. */
  addItems(order: string, drafts: readonly ItemDraft[]) {
    if (drafts.length === 0) return;
    this.issued ??= issuedPeriodicKeys(this.db);
    const issued = this.issued;
    let list = this.items.get(order);
    if (!list) this.items.set(order, (list = []));
    // Months that carry a leg in this run: a return in the same run credits that month's invoice.
    const carried = new Map<string, string>();
    for (const d of drafts) {
      const supplier = this.setup.entities.get(d.supplier);
      if (!supplier) throw new PostingError('unknown_entity', `entity ${d.supplier} is not in the network`);
      const kind = itemKind(d.amount, d.vat);
      const current = monthOf(dateOf(isoUtc(this.now.getTime()), supplier.time_zone));
      const month = itemMonth(monthOf(dateOf(d.at, supplier.time_zone)), this.setup.closedMonths(d.supplier),
        (m) => issued.has(`${d.supplier}|${d.customer}|${d.currency}|${m}`), current);
      list.push(storedItem(d, month));
      const tk = `${periodicKey(d.supplier, d.customer, d.currency, month, kind)}|${d.group}|${d.rate}`;
      const t = this.totals.get(tk);
      if (t) { t.base += d.base; t.net += d.amount; t.vat += d.vat; t.items++; }
      else this.totals.set(tk, { supplier: d.supplier, customer: d.customer, currency: d.currency, month, kind, group: d.group, rate: d.rate, base: d.base, net: d.amount, vat: d.vat, items: 1 });
      const leg = `${d.line}|${d.fact}|${d.supplier}|${d.customer}`;
      if (kind === 'invoice') carried.set(leg, month);
      const corrects = kind === 'credit_note' && carried.has(leg) ? [...d.corrects, { month: carried.get(leg)!, invoice: null }] : d.corrects;
      for (const c of corrects) {
        const ref = c.invoice ?? `period:${c.month}`;
        this.refs.set(`${tk}|${ref}`, [d.supplier, d.customer, d.currency, month, ref]);
      }
    }
  }

  /** Writes everything queued; `fresh` orders had nothing recorded before this run. */
  flush(fresh: ReadonlySet<string> = new Set()) {
    if (this.entries.length > 0) {
      entryWriter(this.db).insertAll(this.entries);
      this.run.entries += this.entries.length;
      this.entries.length = 0;
    }
    const at = this.now.toISOString();
    if (this.daily.size > 0) this.daily.flush(at);
    if (this.items.size > 0) {
      itemWriter(this.db).write(this.items, this.totals.values(), this.refs.values(), fresh, at);
      this.items.clear();
      this.totals.clear();
      this.refs.clear();
    }
  }
}

/** Posted amounts of orders, detailed and daily books together, by order. */
function postedByOrder(db: Db, ids: readonly string[]): Map<string, PostedLine[]> {
  const out = new Map<string, PostedLine[]>();
  for (const p of [...postedForOrders(db, ids), ...postedFromSubledger(db, ids)]) {
    const key = p.order ?? '';
    let list = out.get(key);
    if (!list) out.set(key, (list = []));
    list.push(p);
  }
  return out;
}

export interface OrderPostingOptions {
  /** Orders never settled before this run: nothing can be posted for them yet, so nothing is read. */
  fresh?: ReadonlySet<string>;
  /**
   * The daily batches of a run of calls (`dailyBatches(db, true)`), which the caller writes
   * (`write()`) before its transaction ends; without, each call writes its own.
   */
  batches?: DailyBatches;
}

/**
 * Posts what changed in the books of settled orders. Called by the settlement runner, in its
 * transaction, with the settlements it just computed.
 */
export function postOrderBooks(db: Db, inputs: readonly OrderBooksInput[], now: Date, setup: BooksSetup = loadBooksSetup(db), opts: OrderPostingOptions = {}): PostingRun {
  const run = emptyRun();
  if (inputs.length === 0) return run;
  const fresh = opts.fresh ?? new Set<string>();
  const pending = issueEvents(db);
  const writer = new PostingWriter(db, setup, now, run, pending, opts.batches);
  const known = inputs.map((i) => i.order.id).filter((id) => !fresh.has(id));
  const posted = postedByOrder(db, known);
  const invoiced = itemsForOrders(db, known);
  for (const input of inputs) {
    const id = input.order.id;
    let drafts: DraftEntry[];
    let items: ItemDraft[];
    try {
      const targets = orderMovements(input);
      drafts = draftEntries(targets.movements, posted.get(id) ?? [], targets.adjustAt);
      items = draftItems(targets.legs, (invoiced.get(id) ?? []).map(invoicedLeg), targets.adjustAt);
    } catch (e) {
      if (!(e instanceof PostingError)) throw e;
      const issue = { code: e.code, message: e.message, event: `order:${id}`, order: id, transfer: null };
      run.issues.push(issue);
      recordPostingIssue(db, { ...issue, entities: Object.keys(input.settlement.payouts), eventAt: input.order.created_at }, now.toISOString());
      pending.add(issue.event);
      continue;
    }
    if (pending.has(`order:${id}`)) { clearPostingIssues(db, [`order:${id}`]); pending.delete(`order:${id}`); }
    if (drafts.length === 0 && items.length === 0) continue;
    const { prepared, failed } = writer.prepareAll(drafts, true);
    writer.add(prepared, id);
    // A leg goes on an invoice once the event it follows is in the books.
    writer.addItems(id, items.filter((i) => !failed.has(i.event)));
  }
  writer.flush(fresh);
  return run;
}

/** Posts the transfers, withdrawals and reversals of release runs that have no entry yet. */
export function postTransferBooks(db: Db, now: Date, setup: BooksSetup = loadBooksSetup(db)): PostingRun {
  const run = emptyRun();
  const rows = unpostedTransfers(db);
  if (rows.length === 0) return run;
  const posted = postedForTransfers(db, rows.map((r) => r.id));
  const targets = rows.flatMap((t) => transferMovements({
    id: t.id, run: t.run_id, entity: t.entity, currency: t.currency, amount: t.amount, kind: t.kind as 'transfer', at: t.created_at,
  }, setup.platform));
  const writer = new PostingWriter(db, setup, now, run, issueEvents(db));
  writer.add(writer.prepareAll(draftEntries(targets, posted, isoUtc(now.getTime())), false).prepared, null);
  writer.flush();
  return run;
}

// ---- What the clock decides: periodic invoices and daily entries -------------------------------

/** Today's date in an entity's zone. */
const todayOf = (setup: BooksSetup, entity: string, now: Date) => dateOf(isoUtc(now.getTime()), setup.entities.get(entity)?.time_zone ?? 'Europe/Paris');

/** Issues the periodic invoices and credit notes of every month that is over in its supplier's zone. */
function issueDueInvoices(db: Db, setup: BooksSetup, now: Date, run: PostingRun): { id: number; number: string }[] {
  // A month is over when the supplier's today is in a later month.
  const due = pendingTotals(db).filter((t) => t.month < monthOf(todayOf(setup, t.supplier, now)));
  if (due.length === 0) return [];
  const issuer = invoiceIssuer(db);
  // Invoices issued by this run are written at its end: a credit note finds them here first.
  const issuedNow = new Map<string, string>();
  const issuedInvoice = (supplier: string, customer: string, currency: string, month: string) =>
    issuedNow.get(`${supplier}|${customer}|${currency}|${month}`) ?? periodicInvoiceNumber(db, supplier, customer, currency, month, 'invoice');
  const issued: { id: number; number: string }[] = [];
  for (const inv of periodicInvoices(due)) {
    const supplier = setup.entities.get(inv.supplier);
    if (!supplier) throw new PostingError('unknown_entity', `entity ${inv.supplier} is not in the network`);
    // Dated on the month's last day, or the first open day after it when the supplier closed it.
    const issueDate = firstOpenDate(lastDayOfMonth(inv.month), setup.closedMonths(inv.supplier)).date;
    const fy = fiscalYearOf(issueDate, supplier.fiscal_year_end).name;
    const credits = inv.kind === 'credit_note'
      ? creditRefs(db, inv.supplier, inv.customer, inv.currency, inv.month)
        .map((r) => (r.startsWith('period:') ? issuedInvoice(inv.supplier, inv.customer, inv.currency, r.slice(7)) : r))
        .filter((r): r is string => !!r)
      : [];
    const selfBilled = setup.selfBilled(inv.supplier);
    const done = issuer.issue({
      series: periodicSeries(inv.kind, inv.supplier, fy), kind: inv.kind, supplier: inv.supplier, customer: inv.customer,
      issued_by: selfBilled ? setup.platform : inv.supplier, self_billed: selfBilled, issue_date: issueDate, fiscal_year: fy, period: inv.month,
      currency: inv.currency, net: inv.net, vat: inv.vat, vat_rate: setup.commissionVatRate, credits: credits.length ? [...new Set(credits)].join(', ') : null,
      created_at: now.toISOString(), lines: inv.lines,
    });
    if (inv.kind === 'invoice') issuedNow.set(`${inv.supplier}|${inv.customer}|${inv.currency}|${inv.month}`, done.number);
    issued.push(done);
    run.invoices++;
  }
  issuer.flush();
  return issued;
}

/**
 * Posts the books of periodic invoices that have none yet (just issued, or a rate was missing):
 * an entry each in detailed books, and in daily books movements of the subledger (under the
 * invoice's `subledgerKey`) that the day's entry sums (decision 0020).
 */
function postInvoiceBooks(db: Db, setup: BooksSetup, now: Date, run: PostingRun, pending: Set<string>) {
  const invoices = unpostedInvoices(db);
  if (invoices.length === 0) return;
  const writer = new PostingWriter(db, setup, now, run, pending);
  for (const inv of invoices) {
    const targets = invoiceMovements({ id: inv.id, number: inv.number, kind: inv.kind, supplier: inv.supplier, customer: inv.customer, currency: inv.currency,
      net: inv.net, vat: inv.vat, date: inv.issue_date, title: periodicTitle(inv.period!) }, setup.platform);
    writer.add(writer.prepareAll(draftEntries(targets, [], inv.issue_date), true).prepared, invoiceSubledgerKey(inv.number), inv.id);
  }
  writer.flush();
}

/** Writes the one entry of each account set of each day that is over, in daily books. */
function journalizeDays(db: Db, setup: BooksSetup, now: Date, run: PostingRun) {
  const due = openBatches(db).filter((b) => b.entry_date < todayOf(setup, b.entity, now));
  if (due.length === 0) return;
  const days = dayJournal(db);
  const heads = days.openHeads();
  const ranks = new Map<string, number>();
  // The entries are written together (multi-row statements), each batch is pointed at its entry,
  // then every entry's lines are written from its batch's sums in one statement.
  const entries: EntryInsert[] = [];
  const batches: number[] = [];
  for (const b of due) {
    const ent = setup.entities.get(b.entity)!;
    const day = `${b.entity}|${b.journal}|${b.entry_date}`;
    const rank = (ranks.get(day) ?? days.journalized(b.entity, b.journal, b.entry_date)) + 1;
    ranks.set(day, rank);
    const head = heads.get(b.id);
    if (head === undefined) { days.setEntry(b.id, 0); continue; }
    const piece = dailyPiece(b.journal, b.entry_date, rank);
    const label = dailyLabel(b.journal, b.entry_date, b.movements, piece);
    batches.push(b.id);
    entries.push({
      entity: b.entity, journal: b.journal, fiscal_year: fiscalYearName(b.entry_date, ent.fiscal_year_end), entry_date: b.entry_date,
      event_at: zonedStartOfDayIso(b.entry_date, ent.time_zone), shifted: false, adjustment: false, valid_at: validAt(now, b.entry_date, ent.time_zone),
      label, piece_ref: piece, piece_date: b.entry_date, source_key: `day:${b.id}`, order_id: null, transfer_id: null, invoice_id: null,
      currency: b.currency, orig_currency: head, fx_rate: null, fx_date: null, lines: [],
    });
  }
  const writer = entryWriter(db);
  const written = writer.insertAll(entries);
  for (let i = 0; i < written.length; i++) days.setEntry(batches[i]!, written[i]!.id);
  writer.insertDayLines(written.map((w) => w.id));
  run.entries += written.length;
}

/**
 * What the clock decides, after a posting run: the invoices of months that are over (and their
 * entries), entries of invoices left without one, and the entries of days that are over in
 * daily books. Idempotent: nothing is due twice.
 */
export function finishBooks(db: Db, now: Date, setup: BooksSetup = loadBooksSetup(db)): PostingRun {
  const run = emptyRun();
  issueDueInvoices(db, setup, now, run);
  postInvoiceBooks(db, setup, now, run, issueEvents(db));
  journalizeDays(db, setup, now, run);
  return run;
}

export interface PendingOptions {
  /** Orders to bring up to date; all stored orders when absent. */
  orderIds?: readonly string[];
  now: Date;
  /** Also post unposted transfers of release runs (default true). */
  transfers?: boolean;
  batchSize?: number;
}

/**
 * Brings the books up to date: re-derives the settlement of the given orders (as the settlement
 * runner does, without storing it), posts the differences, posts unposted transfers, then issues
 * what is due and writes the entries of days that are over. Safe to call any number of times:
 * an up-to-date book gets nothing. Run it inside the transaction that wrote the change (a release
 * run), or on its own (after adding an exchange rate).
 */
export function postPendingEntries(db: Db, opts: PendingOptions): PostingRun {
  const run = emptyRun();
  db.transaction(() => {
    const setup = loadBooksSetup(db);
    const ids = opts.orderIds ? [...opts.orderIds] : allOrderIds(db);
    if (ids.length > 0) {
      const ctx = buildContext(loadNetwork(db), loadRules(db));
      const nowMs = opts.now.getTime();
      const batch = opts.batchSize ?? 2000;
      for (let start = 0; start < ids.length; start += batch) {
        const slice = ids.slice(start, start + batch);
        const orders = loadOrders(db, slice);
        const events = eventsByOrder(loadEvents(db, slice));
        const inputs: OrderBooksInput[] = orders.map((order) => {
          const own = events.get(order.id) ?? [];
          return { order, events: own, settlement: settleOrder(ctx, order, own, storedAsOf(order, own, nowMs)) };
        });
        addRun(run, postOrderBooks(db, inputs, opts.now, setup));
      }
    }
    if (opts.transfers !== false) addRun(run, postTransferBooks(db, opts.now, setup));
    addRun(run, finishBooks(db, opts.now, setup));
  }).immediate();
  return run;
}

export { addRun, emptyRun };
