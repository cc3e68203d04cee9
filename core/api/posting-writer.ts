// Turning drafts into the rows of each entity's books, and writing them: detailed entries, daily
// books' movements (subledger), and the legs to invoice with their month sums. Shared by the
// order and transfer postings (books-runner.ts) and what the clock decides (books-finish.ts).
import { ACCOUNT_NUMBER, type AccountRole } from '../domain/books-accounts.js';
import { accountingDate, fiscalYearOf, firstOpenDate, monthOf } from '../domain/books-calendar.js';
import { FxRateMissingError, convertBalanced, findRate } from '../domain/books-fx.js';
import { itemMonth, periodicKey, storedItem, type MonthTotal, type StoredItem } from '../domain/periodic-invoices.js';
import { PostingError, itemKind, type DraftEntry, type ItemDraft } from '../domain/postings.js';
import { isoUtc } from '../domain/time.js';
import { zonedStartOfDayIso } from '../domain/time-zone.js';
import { clearPostingIssues, entryWriter, recordPostingIssue, type BooksSetup, type EntryInsert } from '../store/books-repo.js';
import { issuedPeriodicKeys, itemWriter } from '../store/invoice-repo.js';
import type { Db } from '../store/db.js';
import { dailyWriter, type DailyBatches } from '../store/subledger-repo.js';

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

export const emptyRun = (): PostingRun => ({ entries: 0, invoices: 0, movements: 0, issues: [] });
export const addRun = (run: PostingRun, r: PostingRun) => { run.entries += r.entries; run.invoices += r.invoices; run.movements += r.movements; run.issues.push(...r.issues); };

// ---- Dates, cached where thousands of entries share a few hundred days -------------------------

let lastNowMs = NaN;
let lastNowText = '';
const dayStarts = new Map<string, string>();
/** The validation time: now, or the start of the entry's day (in its book's zone) when the clock is behind it. */
export function validAt(now: Date, date: string, zone: string): string {
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
export const dateOf = accountingDate;

const fyCache = new Map<string, string>();
export function fiscalYearName(date: string, fye: string): string {
  const key = `${date}|${fye}`;
  let n = fyCache.get(key);
  if (n === undefined) {
    if (fyCache.size > 100_000) fyCache.clear();
    fyCache.set(key, (n = fiscalYearOf(date, fye).name));
  }
  return n;
}

// ---- From a draft to the rows of an entity's books ---------------------------------------------

export interface Prepared {
  draft: DraftEntry;
  insert: Omit<EntryInsert, 'piece_ref' | 'piece_date' | 'invoice_id'>;
  daily: boolean;
}

/** Turns a draft into book amounts, dates and accounts; throws FxRateMissingError / PostingError. */
export function prepareEntry(setup: BooksSetup, d: DraftEntry, now: Date, batchable: boolean): Prepared {
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
export class PostingWriter {
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
