// One order's settlement as the store writes it: the pure engine, the entity shares, and the
// rows. Shared by the runner's own thread and its worker (settle-worker.ts), so both produce
// the same rows by construction; and, for an order settled for the first time, its books
// (books-compute.ts).
import { buildContext, type SettlementContext } from '../domain/context.js';
import type { LifecycleEvent, Network, Order, Rule } from '../domain/scenario.js';
import { settleOrder } from '../domain/settle.js';
import type { OrderSettlement } from '../domain/settlement-types.js';
import { captureTime, entityShares } from '../domain/shares.js';
import { isoUtc, toMs } from '../domain/time.js';
import { DEFAULT_TIME_ZONE } from '../domain/time-zone.js';
import { booksSetupFrom, type BooksSetupData } from '../store/books-repo.js';
import { settlementRows, type SettlementRows } from '../store/settlement-repo.js';
import { firstOrderBooks, invoiceBooks, legMonth, mapBooks, type InvoiceToPost, type OrderBooks } from './books-compute.js';
import type { KeyMapping, KeyTable } from './movement-keys.js';

export interface OrderInput { order: Order; events: readonly LifecycleEvent[] }

export interface ComputedOrder {
  id: string;
  createdAt: string;
  lines: number;
  rows: SettlementRows;
  /** Kept when the books follow and the order was settled before (its books post from the full settlement). */
  settlement: OrderSettlement | null;
  /** The books, when they follow and the order was never settled before (nothing of it is posted). */
  books: OrderBooks | null;
}

/**
 * A chunk to compute: orders, and which of them have never been settled (1) or have (0); or
 * periodic invoices just issued, whose books to compute (finishBooks, books-finish.ts).
 */
export type Chunk = { inputs: OrderInput[]; first: Uint8Array } | { invoices: InvoiceToPost[] };
/** A chunk's results, in its order: the orders' rows (and books), or the invoices' books. */
export type ChunkResult = ComputedOrder[] | OrderBooks[];

/** Renumbers the movements' keys of a chunk's results computed by another thread (movement-keys.ts), in place. */
export function mapResultKeys(result: ChunkResult, mapping: KeyMapping): void {
  for (const r of result) {
    const books = 'rows' in r ? r.books : r;
    if (books) mapBooks(books, mapping);
  }
}

/** What a computation needs besides the orders: plain data, so a worker can receive it. */
export interface ComputeSetup {
  network: Network;
  rules: readonly Rule[];
  /** Each location's owner and operator entities (refusing stores stay parties of the order). */
  locations: readonly (readonly [id: string, entities: readonly string[]])[];
  nowMs: number;
  /** The books' setup when the books follow the settlement, else null. */
  books: BooksSetupData | null;
  /**
   * For a worker, the months whose periodic invoices were issued when the run started (keys
   * supplier|customer|currency|month, `issuedPeriodicKeys`): nothing is issued before the run's
   * end, and legs of an issued month go on a later one. The runner's own thread reads them from
   * the store when first needed instead.
   */
  issued?: readonly string[];
}

/** Everything stored has happened: a stored order settles as of now, or the latest time it names. */
export function storedAsOf(order: Order, events: readonly LifecycleEvent[], nowMs: number): string {
  let asOfMs = Math.max(nowMs, toMs(order.created_at));
  for (const e of events) asOfMs = Math.max(asOfMs, toMs(e.at));
  for (const p of order.payments) asOfMs = Math.max(asOfMs, toMs(p.captured_at));
  return isoUtc(asOfMs);
}

/** Computes an order; `first`: never settled before, so its books are computed too (when they follow). */
export type OrderComputer = (input: OrderInput, first: boolean) => ComputedOrder;

export function orderComputer(setup: ComputeSetup, keys: KeyTable, issued: () => ReadonlySet<string>, ctx: SettlementContext = buildContext(setup.network, setup.rules),
  books = setup.books ? booksSetupFrom(setup.books) : null): OrderComputer {
  const locations = new Map(setup.locations);
  const locationEntities = (id: string) => locations.get(id) ?? [];
  const zones = new Map(setup.network.entities.map((e) => [e.id, e.time_zone ?? DEFAULT_TIME_ZONE]));
  // Day totals are kept for the platform entity (core/store/day-totals.ts).
  const days = { zoneOf: (id: string) => zones.get(id) ?? DEFAULT_TIME_ZONE, keep: (id: string) => id === setup.network.platform_entity };
  const now = new Date(setup.nowMs);
  const month = books ? legMonth(books, now, issued) : null;
  return ({ order, events }, first) => {
    const os = settleOrder(ctx, order, events, storedAsOf(order, events, setup.nowMs));
    const shares = entityShares(os, captureTime(os, order.payments.map((p) => p.captured_at)));
    const rows = settlementRows(os, shares, order.created_at, days, locationEntities);
    return {
      id: order.id, createdAt: order.created_at, lines: order.lines.length, rows,
      settlement: books && !first ? os : null,
      books: books && first ? firstOrderBooks(books, { order, events, settlement: os }, now, keys, month!) : null,
    };
  };
}

/**
 * Computes chunks of either kind, on either thread; the daily movements' and month sums' keys are
 * numbered in `keys` (movement-keys.ts: the writing thread's table, or a worker's own). `issued`:
 * the months already issued (ComputeSetup.issued when not given).
 */
export function chunkComputer(setup: ComputeSetup, keys: KeyTable, issued?: () => ReadonlySet<string>): (chunk: Chunk) => ChunkResult {
  const books = setup.books ? booksSetupFrom(setup.books) : null;
  let fromSetup: ReadonlySet<string> | null = null;
  const order = orderComputer(setup, keys, issued ?? (() => (fromSetup ??= new Set(setup.issued ?? []))), undefined, books);
  const now = new Date(setup.nowMs);
  return (chunk) => {
    if (!('invoices' in chunk)) return chunk.inputs.map((input, i) => order(input, chunk.first[i] === 1));
    if (!books) throw new Error('invoice books asked of a run without books');
    return chunk.invoices.map((inv) => invoiceBooks(books, inv, now, keys));
  };
}
