// Settles stored orders: load inputs from the store, run the pure engine, append the results.
// Called after every import and event intake for the orders they touch, and by
// `settlement.run`. Works in batches so a million lines never sit in memory at once.
import { buildContext } from '../domain/context.js';
import { eventsByOrder, settleOrder } from '../domain/settle.js';
import type { LifecycleEvent, Order } from '../domain/scenario.js';
import { captureTime, entityShares } from '../domain/shares.js';
import { isoUtc, toMs } from '../domain/time.js';
import { loadEvents, loadNetwork, loadOrders, loadRules } from '../store/scenario-repo.js';
import { loadBooksSetup } from '../store/books-repo.js';
import { settlementWriter } from '../store/settlement-repo.js';
import type { Sqlite } from '../store/sqlite.js';
import { postOrderBooks } from './books-runner.js';
import type { OrderBooksInput } from '../domain/postings.js';

/** Orders computed, written and posted together inside a batch's transaction. */
const WRITE_CHUNK = 250;

export interface SettleRun { settled: number; revised: number; unchanged: number; lines: number }

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
  preloaded?: ReadonlyMap<string, { order: Order; events: readonly LifecycleEvent[] }>;
  /** Post the books in the same transaction (default). The benchmark measures them apart. */
  postBooks?: boolean;
}

export function settleStoredOrders(db: Sqlite, opts: SettleOptions): SettleRun {
  const run: SettleRun = { settled: 0, revised: 0, unchanged: 0, lines: 0 };
  // Id order: the settlement tables are keyed by order id, so inserts append to their B-trees.
  const ids = opts.orderIds ? [...new Set(opts.orderIds)].sort() : (db.prepare('SELECT id FROM orders ORDER BY id').pluck().all() as string[]);
  if (ids.length === 0) return run;
  const ctx = buildContext(loadNetwork(db), loadRules(db));
  const writer = settlementWriter(db);
  const nowMs = opts.now.getTime();
  const computedAt = opts.now.toISOString();
  const batch = opts.batchSize ?? 2000;
  const booksSetup = opts.postBooks === false ? null : loadBooksSetup(db);
  for (let start = 0; start < ids.length; start += batch) {
    const slice = ids.slice(start, start + batch);
    const missing = opts.preloaded ? slice.filter((id) => !opts.preloaded!.has(id)) : slice;
    const events: Map<string, readonly LifecycleEvent[]> = eventsByOrder(missing.length ? loadEvents(db, missing) : []);
    const loaded = new Map((missing.length ? loadOrders(db, missing) : []).map((o) => [o.id, o]));
    const orders = slice.map((id) => opts.preloaded?.get(id)?.order ?? loaded.get(id)!).filter((o) => o !== undefined);
    if (opts.preloaded) for (const id of slice) { const p = opts.preloaded.get(id); if (p) events.set(id, p.events); }
    db.transaction(() => {
      // Written in chunks: the rows of a chunk are gone before the next, so they never outlive a
      // young-generation collection, and each table still takes a run of rows at a time.
      for (let c = 0; c < orders.length; c += WRITE_CHUNK) {
        const booked: OrderBooksInput[] = []; // settled orders whose books follow (below)
        for (const order of orders.slice(c, c + WRITE_CHUNK)) {
          const own = events.get(order.id) ?? [];
          // Everything stored has happened: settle as of now, or the latest time the order names.
          let asOfMs = nowMs;
          for (const e of own) asOfMs = Math.max(asOfMs, toMs(e.at));
          for (const p of order.payments) asOfMs = Math.max(asOfMs, toMs(p.captured_at));
          const os = settleOrder(ctx, order, own, isoUtc(Math.max(asOfMs, toMs(order.created_at))));
          const shares = entityShares(os, captureTime(os, order.payments.map((p) => p.captured_at)));
          const rev = writer.write(os, shares, computedAt, opts.reason);
          if (booksSetup) booked.push({ order, events: own, settlement: os });
          run.settled++;
          run.lines += order.lines.length;
          if (rev === null) run.unchanged++;
          else run.revised++;
        }
        writer.flush();
        // The books follow the settled state in the same transaction: only the difference between
        // what these orders should have posted and what is posted is written (docs/accounting.md).
        if (booksSetup) postOrderBooks(db, booked, opts.now, booksSetup);
      }
    })();
  }
  return run;
}

/**
 * Recomputes one stored order's settlement without storing it (explanations, reports). Rule
 * versions are never edited, only closed after the fact, so this gives the stored result.
 */
export function recomputeStoredOrder(db: Sqlite, orderId: string, now: Date) {
  const [order] = loadOrders(db, [orderId]);
  if (!order) return undefined;
  const ctx = buildContext(loadNetwork(db), loadRules(db));
  const events = loadEvents(db, [orderId]);
  let asOfMs = Math.max(now.getTime(), toMs(order.created_at));
  for (const e of events) asOfMs = Math.max(asOfMs, toMs(e.at));
  for (const p of order.payments) asOfMs = Math.max(asOfMs, toMs(p.captured_at));
  return settleOrder(ctx, order, events, isoUtc(asOfMs));
}
