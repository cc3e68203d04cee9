// Turning drafts into the rows of each entity's books, and writing them: detailed entries, daily
// books' movements (subledger), and the legs to invoice with their month sums. Shared by the
// order and transfer postings (books-runner.ts) and what the clock decides (books-finish.ts).
import { storedItem, type StoredItem } from '../domain/periodic-invoices.js';
import type { DraftEntry, ItemDraft } from '../domain/postings.js';
import { clearPostingIssues, entryWriter, recordPostingIssue, type BooksSetup, type EntryInsert } from '../store/books-repo.js';
import { issuedPeriodicKeys, itemWriter, monthTotals, type MonthTotals } from '../store/invoice-repo.js';
import type { Db } from '../store/db.js';
import { dailyBatches, dailyWriter } from '../store/subledger-repo.js';
import type { KeyTable } from './movement-keys.js';
import {
  ITEM_SUM_STRIDE, legMonth, movementEvents, placeLegs, prepareDrafts, preparedEntry, pushPrepared,
  type EventFailure, type LegMonth, type OrderBooks, type Prepared, type ReadyItems, type ReadyMovements,
} from './books-compute.js';

// Prepared entries and their dates are computed in books-compute.ts (on the settlement worker too).
export { dateOf, fiscalYearName, prepareEntry, validAt, type Prepared } from './books-compute.js';

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

/**
 * What a run of posting calls (the settlement runner's chunks) shares, and its caller writes
 * (`write`) before its transaction ends: the daily batches and the month sums, which most chunks
 * add to, and the periodic months already issued (none is issued before the run's finishBooks).
 */
export function sharedPosting(db: Db, keys: KeyTable, issuedMonths?: () => ReadonlySet<string>) {
  const batches = dailyBatches(db, true, keys);
  const sums = monthTotals(db, keys);
  let issued: ReadonlySet<string> | null = null;
  return {
    batches,
    sums,
    issued: issuedMonths ?? (() => (issued ??= issuedPeriodicKeys(db))),
    /** Sums waiting for `write`: what holding them costs in memory. */
    get pending() { return batches.pending + sums.pending; },
    write() {
      batches.write();
      sums.write();
    },
  };
}

export type SharedPosting = ReturnType<typeof sharedPosting>;

/**
 * What a posting run writes, gathered and then written table by table: detailed entries, the
 * daily books' movements, and the legs to invoice with their month sums.
 */
export class PostingWriter {
  private readonly entries: EntryInsert[] = [];
  private readonly daily;
  private readonly items = new Map<string, StoredItem[] | string>();
  private readonly sums: MonthTotals;
  /** Where a leg goes (books-compute.ts legMonth). */
  readonly legMonth: LegMonth;

  /**
   * `shared`: what a run of calls shares and writes itself (sharedPosting); without, `flush` writes
   * it all. `keys`: where the movements' keys of the books it is handed are numbered, without
   * `shared` (movement-keys.ts; with, those of its batches).
   */
  constructor(private readonly db: Db, private readonly setup: BooksSetup, private readonly now: Date, readonly run: PostingRun, private readonly pending: Set<string>,
    private readonly shared?: SharedPosting, keys?: KeyTable) {
    this.daily = dailyWriter(db, shared?.batches, keys);
    this.sums = shared?.sums ?? monthTotals(db, this.daily.keys);
    this.legMonth = legMonth(setup, now, shared ? shared.issued : () => issuedPeriodicKeys(db));
  }

  /** The table in which the movements it is handed number their keys (books computed for it use it). */
  get keys(): KeyTable { return this.daily.keys; }

  /** Prepares drafts, skipping every event that cannot be posted; returns the events skipped. `batchable`: daily books may take them. */
  prepareAll(drafts: readonly DraftEntry[], batchable: boolean): { prepared: Prepared[]; failed: Set<string> } {
    const { prepared, failures, failed } = prepareDrafts(this.setup, drafts, this.now, batchable);
    this.record(failures, () => drafts.map((d) => d.event));
    return { prepared, failed };
  }

  /**
   * Records the events that cannot be posted, and clears the issues on record of the others
   * (`events`: every event of the drafts, asked only when some issue is on record).
   */
  record(failures: readonly EventFailure[], events: () => readonly string[]) {
    for (const f of failures) {
      const issue = { code: f.code, message: f.message, event: f.event, order: f.order, transfer: f.transfer };
      this.run.issues.push(issue);
      recordPostingIssue(this.db, { ...issue, entities: f.entities, eventAt: f.eventAt }, this.now.toISOString());
      this.pending.add(f.event);
    }
    if (this.pending.size > 0) {
      const failed = new Set(failures.map((f) => f.event));
      const done = [...new Set(events())].filter((e) => this.pending.has(e) && !failed.has(e));
      clearPostingIssues(this.db, done);
      for (const e of done) this.pending.delete(e);
    }
  }

  /**
   * Queues prepared entries: detailed ones as entries, daily ones as subledger movements under
   * `detail` (an order's id, or an invoice's `subledgerKey`).
   */
  add(prepared: readonly Prepared[], detail: string | null, invoiceId: number | null = null) {
    for (const p of prepared) {
      if (p.daily && detail !== null) {
        const ready: ReadyMovements = [];
        pushPrepared(ready, p, this.keys);
        this.daily.add(detail, ready);
        this.run.movements++;
      } else {
        this.entries.push(preparedEntry(this.setup, p, invoiceId));
      }
    }
  }

  /**
   * Records and queues books computed ahead (books-compute.ts: an order settled for the first time,
   * or a periodic invoice, `detail` being its subledger key), as prepareAll, add and addItems would.
   */
  addFirst(detail: string, books: OrderBooks) {
    this.record(books.failures, () => [...books.failures.map((f) => f.event), ...books.entries.map((e) => e.source_key), ...movementEvents(books.movements)]);
    for (const e of books.entries) this.entries.push(e);
    if (books.daily > 0) this.daily.add(detail, books.movements);
    this.run.movements += books.daily;
    if (books.items) this.addReadyItems(detail, books.items);
  }

  /** Queues the legs of an order settled for the first time, placed in their months and keyed where they were computed (ReadyItems). */
  private addReadyItems(order: string, v: ReadyItems) {
    this.items.set(order, v.json);
    const { sums } = v;
    for (let i = 0; i < sums.length; i += ITEM_SUM_STRIDE) this.sums.add(sums[i]!, sums[i + 1]!, sums[i + 2]!, sums[i + 3]!, 1);
    for (let i = 0; i < v.refs.length; i += 2) this.sums.addRef(v.refs[i] as number, v.refs[i + 1] as string);
  }

  /**
   * Queues the leg amounts of an order already posted: each as its stored item, in the month
   * whose invoice will carry it, and in that month's sums; a return in the same run credits
   * that month's invoice.
   */
  addItems(order: string, drafts: readonly ItemDraft[]) {
    if (drafts.length === 0) return;
    let list = this.items.get(order) as StoredItem[] | undefined;
    if (!list) this.items.set(order, (list = []));
    placeLegs(drafts, this.legMonth, (d, month, sumKey, credits) => {
      list.push(storedItem(d, month));
      const k = this.keys.id(sumKey);
      this.sums.add(k, d.base, d.amount, d.vat, 1);
      for (const c of d.corrects) this.sums.addRef(k, c.invoice ?? `period:${c.month}`);
      if (credits !== null) this.sums.addRef(k, `period:${credits}`);
    });
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
      itemWriter(this.db).write(this.items, fresh, at);
      this.items.clear();
    }
    if (!this.shared) this.sums.write();
  }
}
