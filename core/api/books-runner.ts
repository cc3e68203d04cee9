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
import { invoicedLeg } from '../domain/periodic-invoices.js';
import {
  PostingError, draftEntries, draftItems, orderMovements, transferMovements,
  type DraftEntry, type ItemDraft, type OrderBooksInput, type PostedLine,
} from '../domain/postings.js';
import type { Order } from '../domain/scenario.js';
import { eventsByOrder, settleOrder } from '../domain/settle.js';
import { isoUtc } from '../domain/time.js';
import {
  allOrderIds, clearPostingIssues, issueEvents, loadBooksSetup, postedForOrders, postedForTransfers, recordPostingIssue, unpostedTransfers,
  type BooksSetup,
} from '../store/books-repo.js';
import { itemsForOrders } from '../store/invoice-repo.js';
import { loadEvents, loadNetwork, loadOrders, loadRules } from '../store/scenario-repo.js';
import type { Db } from '../store/db.js';
import { postedFromSubledger } from '../store/subledger-repo.js';
import { finishBooks } from './books-finish.js';
import { firstOrderBooks, type OrderBooks } from './books-compute.js';
import { PostingWriter, addRun, emptyRun, type PostingRun, type SharedPosting } from './posting-writer.js';
import { storedAsOf } from './settle-compute.js';

export type { PostingIssue, PostingRun } from './posting-writer.js';
export { finishBooks } from './books-finish.js';

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
   * What a run of calls shares (`sharedPosting`: the daily batches, the month sums), which the
   * caller writes (`write()`) before its transaction ends; without, each call writes its own.
   */
  shared?: SharedPosting;
}

/** An order settled for the first time whose books were computed with its settlement (books-compute.ts, on the settlement worker). */
export interface FirstBooksInput { order: Order; books: OrderBooks }

/**
 * Posts what changed in the books of settled orders. Called by the settlement runner, in its
 * transaction, with the settlements it just computed (or, for orders settled for the first
 * time, their books computed with them).
 */
export function postOrderBooks(db: Db, inputs: readonly (OrderBooksInput | FirstBooksInput)[], now: Date, setup: BooksSetup = loadBooksSetup(db), opts: OrderPostingOptions = {}): PostingRun {
  const run = emptyRun();
  if (inputs.length === 0) return run;
  const fresh = opts.fresh ?? new Set<string>();
  const pending = issueEvents(db);
  const writer = new PostingWriter(db, setup, now, run, pending, opts.shared);
  const known = inputs.map((i) => i.order.id).filter((id) => !fresh.has(id));
  const posted = postedByOrder(db, known);
  const invoiced = itemsForOrders(db, known);
  for (const input of inputs) {
    const id = input.order.id;
    // Nothing posted yet: the same function as on the settlement worker.
    const first = 'books' in input ? input.books : fresh.has(id) ? firstOrderBooks(setup, input, now, writer.keys, writer.legMonth) : null;
    if (first) {
      if (first.error) { recordOrderIssue(db, run, pending, input.order, first.error, now); continue; }
      if (pending.has(`order:${id}`)) { clearPostingIssues(db, [`order:${id}`]); pending.delete(`order:${id}`); }
      writer.addFirst(id, first);
      continue;
    }
    const settled = input as OrderBooksInput;
    let drafts: DraftEntry[];
    let items: ItemDraft[];
    try {
      const targets = orderMovements(settled);
      drafts = draftEntries(targets.movements, posted.get(id) ?? [], targets.adjustAt);
      items = draftItems(targets.legs, (invoiced.get(id) ?? []).map(invoicedLeg), targets.adjustAt);
    } catch (e) {
      if (!(e instanceof PostingError)) throw e;
      recordOrderIssue(db, run, pending, input.order, { code: e.code, message: e.message, entities: Object.keys(settled.settlement.payouts) }, now);
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

/** An order none of whose books can be posted: its issue, on record until a run posts it. */
function recordOrderIssue(db: Db, run: PostingRun, pending: Set<string>, order: Order, error: NonNullable<OrderBooks['error']>, now: Date) {
  const issue = { code: error.code, message: error.message, event: `order:${order.id}`, order: order.id, transfer: null };
  run.issues.push(issue);
  recordPostingIssue(db, { ...issue, entities: error.entities, eventAt: order.created_at }, now.toISOString());
  pending.add(issue.event);
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
