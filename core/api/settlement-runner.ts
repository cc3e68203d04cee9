// Settles stored orders: load inputs from the store, run the pure engine, append the results.
// Called after every import and event intake for the orders they touch, and by
// `settlement.run`. Works in batches so a million lines never sit in memory at once; a large
// run computes on a worker thread while this one writes (settle-pool.ts).
import { availableParallelism } from 'node:os';
import { buildContext, type SettlementContext } from '../domain/context.js';
import { eventsByOrder, settleOrder } from '../domain/settle.js';
import type { OrderBooksInput } from '../domain/postings.js';
import { allOrderIds, booksSetupFrom, loadBooksSetupData } from '../store/books-repo.js';
import { loadEvents, loadNetwork, loadOrders, loadRules } from '../store/scenario-repo.js';
import { loadLocationEntities, settledIds, settlementWriter } from '../store/settlement-repo.js';
import { deferCheckpoint } from '../store/checkpoint.js';
import type { Db } from '../store/db.js';
import { isSqlite } from '../store/dialect.js';
import { issuedPeriodicKeys } from '../store/invoice-repo.js';
import { finishBooks, postOrderBooks, type FirstBooksInput } from './books-runner.js';
import { sharedPosting, type SharedPosting } from './posting-writer.js';
import { storedAsOf, type ComputeSetup, type ComputedOrder, type OrderInput } from './settle-compute.js';
import { inlineComputer, prewarmSettleWorker, workerComputer, type ChunkComputer } from './settle-pool.js';

/** Orders computed, written and posted together inside a batch's transaction. */
export const WRITE_CHUNK = 250;
/**
 * Chunks handed to the computer ahead of the one being written: enough that, while the worker
 * computes one, the writing thread finds another nobody has started (3 had it wait more often:
 * docs/performance.md, eighth session of 2026-12-03).
 */
const AHEAD = 6;
/**
 * Within its caller's transaction, a run writes the sums its chunks add (daily batches, month
 * sums) once it holds this many (about 860 MB of heap: 400 to 450 bytes a sum), rather than at
 * the end of each batch: most chunks add to the same sums, and each write upserts every sum it
 * holds. At 100,000 orders (one write instead of 51) settle+post+store took 42.8 s instead of
 * 51.5 s; holding 200,000, 49.6 s. Sums never written are invoiced and journalized from memory
 * at the run's end (books-finish.ts): a million lines (1.29 million sums, held to the end) took
 * 90.4 s against 95.4 s holding a million, for some 130 MB more of sums in a process whose peak
 * resident size was 6.2 GB (7.2 GB holding a million: the scenario takes most of it, and the
 * collector's timing moves it more than the sums do; docs/performance.md, eighth session of 2026-12-03).
 */
const HELD_SUMS = 2_000_000;
/** Runs of at least this many orders compute on a worker thread, where there is a second core. */
const PARALLEL_FROM_ORDERS = 20_000;

/** Whether a run of this many orders computes on a worker thread (unless its caller says). */
const runsParallel = (orders: number) => orders >= PARALLEL_FROM_ORDERS && availableParallelism() > 1;

/**
 * Loads the settlement worker ahead of a run of about `orders` orders that will use one: an
 * import calls it before writing its orders, so that the worker has loaded (about a second
 * from the sources) by the time their settlement starts, rather than this thread computing meanwhile.
 */
export function prepareSettlementRun(orders: number): void {
  if (runsParallel(orders)) prewarmSettleWorker();
}

export interface SettleRun {
  settled: number; revised: number; unchanged: number; lines: number;
  /** Whether the engine ran on a worker thread. */
  parallel: boolean;
}

export interface SettleStats { dayTotalsMs: number; workerChunks?: number; inlineChunks?: number }

export interface SettleOptions {
  /** Orders to settle; all stored orders when absent. */
  orderIds?: readonly string[];
  now: Date;
  reason: string;
  batchSize?: number;
  /**
   * Inputs already in memory (a fresh import): used instead of reading them back. Each entry
   * must hold every stored event of its order.
   */
  preloaded?: ReadonlyMap<string, OrderInput>;
  /** Post the books in the same transaction (default). The benchmark measures them apart. */
  postBooks?: boolean;
  /** Compute on a worker thread; by default, for large runs on a machine with two cores or more. */
  parallel?: boolean;
  /**
   * With a worker: this thread also computes the chunks the worker has not started (default),
   * rather than wait for it (settle-pool.ts). Tests turn it off to have the worker compute them all.
   */
  shareWork?: boolean;
  /** Within the caller's transaction, how many sums the run holds before writing them (HELD_SUMS); tests set it low. */
  heldSums?: number;
  /** Filled with what the run spent keeping the dashboards' day totals, and how many chunks each thread computed (the benchmark reports them). */
  stats?: SettleStats;
}

export function settleStoredOrders(db: Db, opts: SettleOptions): SettleRun {
  const run: SettleRun = { settled: 0, revised: 0, unchanged: 0, lines: 0, parallel: false };
  // Id order: the settlement tables are keyed by order id, so inserts append to their B-trees.
  const ids = opts.orderIds ? [...new Set(opts.orderIds)].sort() : allOrderIds(db);
  if (ids.length === 0) return run;
  const writer = settlementWriter(db);
  const computedAt = opts.now.toISOString();
  const batch = opts.batchSize ?? 2000;
  // The books' setup as plain data: the worker builds the same BooksSetup from it.
  const booksData = opts.postBooks === false ? null : loadBooksSetupData(db);
  const booksSetup = booksData ? booksSetupFrom(booksData) : null;
  const setup: ComputeSetup = { network: loadNetwork(db), rules: loadRules(db), locations: loadLocationEntities(db), nowMs: opts.now.getTime(), books: booksData };
  const parallel = opts.parallel ?? runsParallel(ids.length);
  // The months already issued, where legs cannot go (read once; nothing is issued before finishBooks).
  let issued: Set<string> | null = null;
  const issuedMonths = () => (issued ??= issuedPeriodicKeys(db));
  if (parallel && booksData) setup.issued = [...issuedMonths()];
  const computer: ChunkComputer = (parallel ? workerComputer(setup, { shareWork: opts.shareWork }) : null) ?? inlineComputer(setup, issuedMonths);
  run.parallel = computer.parallel;

  // Chunks of orders, handed to the computer a few ahead of the one being written, across the
  // batches' transactions, so that the worker never waits for this thread to catch up.
  const chunkIds: string[][] = [];
  for (let start = 0; start < ids.length; start += batch) {
    const end = Math.min(ids.length, start + batch);
    for (let c = start; c < end; c += WRITE_CHUNK) chunkIds.push(ids.slice(c, Math.min(end, c + WRITE_CHUNK)));
  }
  // The daily books' batches and the month sums, read once: this run is their only writer until
  // finishBooks; what its chunks add is written at the end of each of its transactions or, within
  // its caller's, once so much is held (and before finishBooks, which reads them).
  let shared: SharedPosting | undefined;
  const handedOver: OrderInput[][] = [];
  let next = 0;
  const handOver = () => {
    while (next < chunkIds.length && handedOver.length < AHEAD) {
      const inputs = loadInputs(db, chunkIds[next++]!, opts.preloaded);
      // Orders never settled (this run settles each order once, and is the only writer until it
      // commits): their books are computed with their settlement, nothing of them being posted.
      const settled = booksSetup ? settledIds(db, inputs.map((i) => i.order.id)) : null;
      const first = new Uint8Array(inputs.length);
      if (settled) for (let i = 0; i < inputs.length; i++) first[i] = settled.has(inputs[i]!.order.id) ? 0 : 1;
      computer.submit({ inputs, first });
      handedOver.push(inputs);
    }
  };
  // Should a first settlement turn out not to be one, its settlement is computed again here.
  let ctx: SettlementContext | null = null;
  const settleAgain = ({ order, events }: OrderInput) => settleOrder((ctx ??= buildContext(setup.network, setup.rules)), order, events, storedAsOf(order, events, setup.nowMs));
  // A batch is a transaction of its own, unless the caller holds one (an import, an intake): the
  // whole run is then one savepoint, so that a failed run leaves nothing of itself for a caller
  // that goes on, without a savepoint per batch (each copies the pages it changes, 5 % of a run).
  const callersTransaction = db.inTransaction;
  // A large run in its caller's transaction commits once, with it: the WAL's copy into the file
  // then runs on another thread rather than in that commit (checkpoint.ts).
  if (computer.parallel && callersTransaction && isSqlite(db)) deferCheckpoint(db);
  const heldSums = opts.heldSums ?? HELD_SUMS;
  const inBatch = (write: () => void) => { if (callersTransaction) write(); else db.transaction(write).immediate(); };
  const settleAll = () => {
    let chunk = 0;
    for (let start = 0; start < ids.length; start += batch) {
      const lastChunk = chunk + Math.ceil((Math.min(ids.length, start + batch) - start) / WRITE_CHUNK);
      inBatch(() => {
        // In chunks: the rows of a chunk are gone before the next, so they never outlive a
        // young-generation collection, and each table still takes a run of rows at a time.
        for (; chunk < lastChunk; chunk++) {
          handOver();
          const computed = computer.take() as ComputedOrder[]; // orders were handed over
          const inputs = handedOver.shift()!;
          handOver();
          const booked: (OrderBooksInput | FirstBooksInput)[] = []; // settled orders whose books follow (below)
          const fresh = new Set<string>(); // settled for the first time: nothing of theirs is posted yet
          writer.prefetch(computed.map((c) => c.id));
          for (let i = 0; i < computed.length; i++) {
            const c = computed[i]!;
            const rev = writer.write(c, computedAt, opts.reason);
            if (booksSetup) {
              if (c.books && rev === 1) booked.push({ order: inputs[i]!.order, books: c.books });
              else {
                booked.push({ ...inputs[i]!, settlement: c.settlement ?? settleAgain(inputs[i]!) });
              }
            }
            if (rev === 1) fresh.add(c.id);
            run.settled++;
            run.lines += c.lines;
            if (rev === null) run.unchanged++;
            else run.revised++;
          }
          writer.flush();
          // The books follow the settled state in the same transaction: only the difference between
          // what these orders should have posted and what is posted is written (docs/accounting.md).
          if (booksSetup) postOrderBooks(db, booked, opts.now, booksSetup, { fresh, shared: (shared ??= sharedPosting(db, computer.keys, issuedMonths)) });
        }
        if (shared && (!callersTransaction || shared.pending >= heldSums)) shared.write();
        writer.flushDayTotals();
      });
    }
    // What the clock decides once the run's orders are posted: invoices of months that are over,
    // from the stored month sums and those still held (issued from memory, and never written:
    // the invoices' lines carry them), their books computed by the run's computer (on the worker
    // while this thread issues them) and counted in the batches still held, and the one entry of
    // each day that is over in daily books (the held batches of such days journalized from
    // memory, the others written first: it reads them).
    if (booksSetup) inBatch(() => finishBooks(db, opts.now, booksSetup, computer, shared));
  };
  try {
    if (callersTransaction) db.transaction(settleAll)();
    else settleAll();
  } finally {
    computer.close();
  }
  if (opts.stats) {
    opts.stats.dayTotalsMs += writer.dayTotalsMs;
    opts.stats.workerChunks = (opts.stats.workerChunks ?? 0) + computer.chunks.worker;
    opts.stats.inlineChunks = (opts.stats.inlineChunks ?? 0) + computer.chunks.inline;
  }
  return run;
}

/** The orders of a chunk with their events, from memory where preloaded, else from the store. */
function loadInputs(db: Db, ids: readonly string[], preloaded?: ReadonlyMap<string, OrderInput>): OrderInput[] {
  const missing = preloaded ? ids.filter((id) => !preloaded.has(id)) : ids;
  const events = eventsByOrder(missing.length ? loadEvents(db, missing) : []);
  const loaded = new Map((missing.length ? loadOrders(db, missing) : []).map((o) => [o.id, o]));
  const inputs: OrderInput[] = [];
  for (const id of ids) {
    const p = preloaded?.get(id);
    if (p) inputs.push(p);
    else { const order = loaded.get(id); if (order) inputs.push({ order, events: events.get(id) ?? [] }); }
  }
  return inputs;
}

/**
 * Recomputes one stored order's settlement without storing it (explanations, reports). Rule
 * versions are never edited, only closed after the fact, so this gives the stored result.
 */
export function recomputeStoredOrder(db: Db, orderId: string, now: Date) {
  const [order] = loadOrders(db, [orderId]);
  if (!order) return undefined;
  const ctx = buildContext(loadNetwork(db), loadRules(db));
  const events = loadEvents(db, [orderId]);
  return settleOrder(ctx, order, events, storedAsOf(order, events, now.getTime()));
}
