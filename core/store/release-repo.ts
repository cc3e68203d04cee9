// Reads and writes of release runs, transfers and transfer items, and the two ledgers a run is
// planned from: what entity shares have released as of a moment, and what transfers have paid.
// Times of shares may be written with a UTC offset (fee shares carry the payment's captured_at
// as given), so comparisons with a moment are made in milliseconds, after a coarse SQL bound.
import type { LedgerItem, PriorTransfer } from '../domain/release-plan.js';
import { isoUtc, toMs } from '../domain/time.js';
import type { OutboxStatus, ReleaseRunsTable, TransferItemsTable, TransfersTable } from './schema.js';
import { CLOSED_AT_SQL, currentShareTuples } from './settlement-repo.js';
import type { Db } from './db.js';

/** A bound at least as late as any text form of an instant up to `ms` (offsets reach +14:00). */
const upperBound = (ms: number) => isoUtc(ms + 15 * 3_600_000);

const released = (release_at: string | null, atMs: number) => release_at !== null && toMs(release_at) <= atMs;

export interface ShareRow { order: string; line: string; entity: string; kind: 'line' | 'fee'; amount: number; currency: string; release_at: string | null }

/** Current entity shares with a release time at or before `atMs`, summed per entity, currency, order and line. */
export function releasedLedger(db: Db, atMs: number): LedgerItem[] {
  const bound = upperBound(atMs);
  const out = new Map<string, LedgerItem>();
  for (const [order, [line, entity, , amount, currency, at]] of currentShareTuples(db)) {
    if (at === null || at > bound || toMs(at) > atMs) continue;
    const k = `${entity}\u0000${currency}\u0000${order}\u0000${line}`;
    const item = out.get(k);
    if (item) item.amount += amount;
    else out.set(k, { entity, currency, order, line, amount });
  }
  return [...out.values()];
}

/** What all transfers so far have paid (reversals count negative), per entity, currency, order and line. */
export function paidLedger(db: Db): LedgerItem[] {
  return db.prepare(`SELECT t.entity, t.currency, i.order_id AS "order", i.line_id AS line, sum(i.amount) AS amount
    FROM transfer_items i JOIN transfers t ON t.id = i.transfer_id
    GROUP BY t.entity, t.currency, i.order_id, i.line_id`).all() as LedgerItem[];
}

/** Transfers of kind `transfer` to an entity in a currency, with their items and what was reversed of them. */
export function priorTransfers(db: Db, entity: string, currency: string): PriorTransfer[] {
  const transfers = db.prepare(`SELECT seq, id, idempotency_key AS key, entity, currency, amount FROM transfers
    WHERE entity = ? AND currency = ? AND kind = 'transfer' ORDER BY seq`).all(entity, currency) as Omit<PriorTransfer, 'items' | 'reversed'>[];
  const items = db.prepare('SELECT order_id AS "order", line_id AS line, amount FROM transfer_items WHERE transfer_id = ?');
  const reversed = db.prepare(`SELECT i.order_id AS "order", i.line_id AS line, -sum(i.amount) AS amount FROM transfer_items i
    JOIN transfers r ON r.id = i.transfer_id WHERE r.reverses = ? GROUP BY i.order_id, i.line_id`);
  return transfers.map((t) => ({
    ...t,
    items: items.all(t.id) as PriorTransfer['items'],
    reversed: reversed.all(t.id) as PriorTransfer['reversed'],
  }));
}

/** The latest as_of of the runs written so far (ms), or null. */
export function lastRunAsOf(db: Db): number | null {
  const all = db.prepare('SELECT as_of FROM release_runs').pluck().all() as string[];
  return all.length === 0 ? null : Math.max(...all.map(toMs));
}

export function pspAccounts(db: Db): Map<string, string | null> {
  const rows = db.prepare('SELECT id, psp_account FROM entities').all() as { id: string; psp_account: string | null }[];
  return new Map(rows.map((r) => [r.id, r.psp_account]));
}

export function networkSetting<T>(db: Db, key: string, fallback: T): T {
  const row = db.prepare('SELECT value FROM network_settings WHERE key = ?').get(key) as { value: string } | undefined;
  return row ? (JSON.parse(row.value) as T) : fallback;
}

// ---- Writing a run ----------------------------------------------------------------------------

export function insertRun(db: Db, r: ReleaseRunsTable): void {
  db.prepare('INSERT INTO release_runs (id, as_of, created_at, recovery, transfer_count, content_hash, actor) VALUES (?, ?, ?, ?, ?, ?, ?)')
    .run(r.id, r.as_of, r.created_at, r.recovery, r.transfer_count, r.content_hash, r.actor);
}

export function insertTransfer(db: Db, t: Omit<TransfersTable, 'seq'>, items: readonly Omit<TransferItemsTable, 'transfer_id'>[]): void {
  db.prepare(`INSERT INTO transfers (id, run_id, entity, currency, amount, kind, idempotency_key, status, created_at, reverses, destination)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
    .run(t.id, t.run_id, t.entity, t.currency, t.amount, t.kind, t.idempotency_key, t.status, t.created_at, t.reverses, t.destination);
  const put = db.prepare('INSERT INTO transfer_items (transfer_id, order_id, line_id, amount) VALUES (?, ?, ?, ?)');
  for (const i of items) put.run(t.id, i.order_id, i.line_id, i.amount);
}

// ---- Reading runs -----------------------------------------------------------------------------

export function listRuns(db: Db, limit: number, offset: number): ReleaseRunsTable[] {
  return db.prepare('SELECT * FROM release_runs ORDER BY as_of DESC, created_at DESC, id LIMIT ? OFFSET ?').all(limit, offset) as ReleaseRunsTable[];
}

export function getRun(db: Db, id: string): ReleaseRunsTable | undefined {
  return db.prepare('SELECT * FROM release_runs WHERE id = ?').get(id) as ReleaseRunsTable | undefined;
}

export interface TransferWithDelivery extends Omit<TransfersTable, 'seq'> {
  seq: number;
  outbox_status: OutboxStatus | null;
  outbox_id: number | null;
  outbox_attempts: number | null;
  outbox_last_error: string | null;
  outbox_next_attempt_at: string | null;
  outbox_sent_at: string | null;
  /** What the PSP last said about the transfer (the object its call created), if anything. */
  psp_id: string | null;
  psp_status: string | null;
  psp_status_rank: number | null;
  psp_amount: number | null;
  psp_amount_reversed: number | null;
  psp_failure_code: string | null;
  items: number;
}

const TRANSFERS_WITH_DELIVERY = `SELECT t.*, o.status AS outbox_status, o.id AS outbox_id, o.attempts AS outbox_attempts, o.last_error AS outbox_last_error,
    o.next_attempt_at AS outbox_next_attempt_at, o.sent_at AS outbox_sent_at,
    p.psp_id, p.status AS psp_status, p.status_rank AS psp_status_rank, p.amount AS psp_amount, p.amount_reversed AS psp_amount_reversed,
    p.failure_code AS psp_failure_code,
    (SELECT count(*) FROM transfer_items i WHERE i.transfer_id = t.id) AS items
  FROM transfers t LEFT JOIN outbox o ON o.idempotency_key = t.idempotency_key
  LEFT JOIN psp_objects p ON (p.psp, p.psp_id) = (SELECT q.psp, q.psp_id FROM psp_objects q WHERE q.outbox_key = t.idempotency_key ORDER BY q.status_rank DESC LIMIT 1)`;

export function transfersOfRuns(db: Db, runIds: readonly string[]): TransferWithDelivery[] {
  return db.prepare(`${TRANSFERS_WITH_DELIVERY}
    WHERE t.run_id IN (SELECT value FROM json_each(?)) ORDER BY t.run_id, t.seq`).all(JSON.stringify(runIds)) as TransferWithDelivery[];
}

/** An entity's transfers (and reversals), newest first, with their delivery. */
export function transfersOfEntity(db: Db, entity: string, f: { from?: string; to?: string; limit: number }): TransferWithDelivery[] {
  const where = ['t.entity = ?'];
  const args: unknown[] = [entity];
  if (f.from) { where.push('t.created_at >= ?'); args.push(f.from); }
  if (f.to) { where.push('t.created_at < ?'); args.push(f.to); }
  return db.prepare(`${TRANSFERS_WITH_DELIVERY} WHERE ${where.join(' AND ')} ORDER BY t.created_at DESC, t.seq DESC LIMIT ?`)
    .all(...args, f.limit) as TransferWithDelivery[];
}

/** Transfers written in [from, to) (of one entity, or all), with the status of their outbox call (null: none). */
export function transfersWithCall(db: Db, f: { from: string; to: string; entity: string | null }): { id: string; run_id: string; entity: string; amount: number; currency: string; status: OutboxStatus | null }[] {
  return db.prepare(`SELECT t.id, t.run_id, t.entity, t.amount, t.currency, o.status FROM transfers t LEFT JOIN outbox o ON o.idempotency_key = t.idempotency_key
    WHERE t.created_at >= ? AND t.created_at < ? AND (CAST(? AS TEXT) IS NULL OR t.entity = ?) ORDER BY t.created_at, t.id`)
    .all(f.from, f.to, f.entity, f.entity) as { id: string; run_id: string; entity: string; amount: number; currency: string; status: OutboxStatus | null }[];
}

/** Transfers (not reversals) whose money the PSP has not confirmed paid: call not sent, or sent and not paid yet; a cancelled call is settled. */
export function transfersNotPaid(db: Db): TransferWithDelivery[] {
  return db.prepare(`SELECT * FROM (${TRANSFERS_WITH_DELIVERY} WHERE t.kind = 'transfer') AS x
    WHERE (outbox_status IS NULL OR outbox_status != 'cancelled') AND (psp_status IS NULL OR psp_status NOT IN ('paid', 'reversed')) ORDER BY created_at, id`).all() as TransferWithDelivery[];
}

/** What each transfer pays per order (signed), for some transfers. */
export function ordersOfTransfers(db: Db, transferIds: readonly string[]): { transfer_id: string; order: string; amount: number; lines: number }[] {
  return db.prepare(`SELECT transfer_id, order_id AS "order", sum(amount) AS amount, count(*) AS lines FROM transfer_items
    WHERE transfer_id IN (SELECT value FROM json_each(?)) GROUP BY transfer_id, order_id ORDER BY transfer_id, order_id`)
    .all(JSON.stringify(transferIds)) as { transfer_id: string; order: string; amount: number; lines: number }[];
}

export function itemsOfTransfers(db: Db, transferIds: readonly string[]): TransferItemsTable[] {
  return db.prepare('SELECT * FROM transfer_items WHERE transfer_id IN (SELECT value FROM json_each(?)) ORDER BY transfer_id, order_id, line_id')
    .all(JSON.stringify(transferIds)) as TransferItemsTable[];
}

// ---- Positions --------------------------------------------------------------------------------

export interface ShareFilter { orders?: readonly string[]; entities?: readonly string[] | null }

/** Current shares (all of them, held or not), optionally limited to some orders or entities. */
export function currentShareRows(db: Db, f: ShareFilter = {}): ShareRow[] {
  const where: string[] = [];
  const args: unknown[] = [];
  if (f.orders) { where.push('c.order_id IN (SELECT value FROM json_each(?))'); args.push(JSON.stringify(f.orders)); }
  if (f.entities) {
    // Through the entities' orders: shares have no entity index (migration 0007), and every
    // entity with a share is a party of the order.
    where.push('c.order_id IN (SELECT order_id FROM order_parties WHERE entity IN (SELECT value FROM json_each(?)))');
    args.push(JSON.stringify(f.entities));
  }
  const entities = f.entities ? new Set(f.entities) : null;
  const out: ShareRow[] = [];
  for (const [order, [line, entity, kind, amount, currency, release_at]] of currentShareTuples(db, where.join(' AND '), args)) {
    if (!entities || entities.has(entity)) out.push({ order, line, entity, kind, amount, currency, release_at });
  }
  return out;
}

export interface TransferItemRow { order: string; line: string; entity: string; currency: string; kind: string; amount: number; created_at: string }

/** Transfer items written at or before `at` (ISO, compared as text: created_at is always toISOString()). */
export function transferItemRows(db: Db, at: string, f: ShareFilter = {}): TransferItemRow[] {
  const where: string[] = ['t.created_at <= ?'];
  const args: unknown[] = [at];
  if (f.orders) { where.push('i.order_id IN (SELECT value FROM json_each(?))'); args.push(JSON.stringify(f.orders)); }
  if (f.entities) { where.push('t.entity IN (SELECT value FROM json_each(?))'); args.push(JSON.stringify(f.entities)); }
  return db.prepare(`SELECT i.order_id AS "order", i.line_id AS line, t.entity, t.currency, t.kind, i.amount, t.created_at
    FROM transfer_items i JOIN transfers t ON t.id = i.transfer_id WHERE ${where.join(' AND ')}`).all(...args) as TransferItemRow[];
}

export { released as isReleasedAt };

// ---- Anomalies ------------------------------------------------------------------------------

/**
 * Per order closed before `closedBy` (ISO) and entity: the payout of its current settlement and
 * what transfers paid of it, where something is still left in escrow.
 */
export function escrowLeftOnClosedOrders(db: Db, closedBy: string): { order: string; entity: string; currency: string; payout: number; transferred: number }[] {
  return db.prepare(`
      WITH closed AS (SELECT s.order_id, s.revision FROM settlements s WHERE ${CLOSED_AT_SQL}),
      pay AS (SELECT e.order_id, e.entity, e.currency, sum(e.amount) AS payout FROM entity_shares e
              JOIN closed c ON c.order_id = e.order_id AND c.revision = e.revision GROUP BY e.order_id, e.entity, e.currency),
      paid AS (SELECT i.order_id, t.entity, t.currency, sum(i.amount) AS transferred FROM transfer_items i JOIN transfers t ON t.id = i.transfer_id
               WHERE i.order_id IN (SELECT order_id FROM closed) GROUP BY i.order_id, t.entity, t.currency)
      SELECT p.order_id AS "order", p.entity, p.currency, p.payout, coalesce(d.transferred, 0) AS transferred
      FROM pay p LEFT JOIN paid d ON d.order_id = p.order_id AND d.entity = p.entity AND d.currency = p.currency
      WHERE p.payout - coalesce(d.transferred, 0) > 0
      ORDER BY p.order_id, p.entity`).all(closedBy) as { order: string; entity: string; currency: string; payout: number; transferred: number }[];
}

/** Transfers counted as paid whose outbox call was cancelled, oldest first. */
export function transfersWithCancelledCall(db: Db): { id: string; entity: string; currency: string; amount: number; kind: string; run_id: string; outbox_id: number }[] {
  return db.prepare(`SELECT t.id, t.entity, t.currency, t.amount, t.kind, t.run_id, o.id AS outbox_id FROM transfers t
      JOIN outbox o ON o.idempotency_key = t.idempotency_key WHERE o.status = 'cancelled' ORDER BY t.created_at, t.id`).all() as
      { id: string; entity: string; currency: string; amount: number; kind: string; run_id: string; outbox_id: number }[];
}
