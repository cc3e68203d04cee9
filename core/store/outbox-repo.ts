// Reads and writes of the outbox (tables `outbox` and `outbox_attempts`, migration 0005). What a
// call may be, its checks and its defaults live in core/sync/outbox.ts; the runner's decisions
// (backoff, dead-lettering) in core/sync/runner.ts. This module only stores them.
import type { Selectable } from 'kysely';
import { all, qb } from './query.js';
import type { OutboxStatus, OutboxTable } from './schema.js';
import type { Db } from './db.js';
import type { OutboxKind } from '../sync/payloads.js';

/** A stored outbox row, its kind typed. */
export type OutboxRow = Omit<Selectable<OutboxTable>, 'kind'> & { kind: OutboxKind };

export interface AttemptRow {
  seq: number; outbox_id: number; attempt: number; started_at: string; finished_at: string; outcome: string;
  error_code: string | null; error: string | null; http_status: number | null; actor: string | null;
}

export interface OutboxCounts { pending: number; in_flight: number; sent: number; failed: number; dead: number; cancelled: number }

const json = (ids: Iterable<string>) => JSON.stringify([...ids]);

// ---- Reading ------------------------------------------------------------------------------

export function getOutboxRow(db: Db, id: number): OutboxRow | undefined {
  return db.prepare('SELECT * FROM outbox WHERE id = ?').get(id) as OutboxRow | undefined;
}

export function getOutboxRowByKey(db: Db, key: string): OutboxRow | undefined {
  return db.prepare('SELECT * FROM outbox WHERE idempotency_key = ?').get(key) as OutboxRow | undefined;
}

export interface ListFilter {
  status?: OutboxStatus[];
  kind?: string;
  entity?: string;
  /** Entities the caller may see; null = all. Rows without an entity are network-wide only. */
  scope?: ReadonlySet<string> | null;
  beforeId?: number;
  limit?: number;
}

export function listOutbox(db: Db, f: ListFilter = {}): OutboxRow[] {
  const where: string[] = [];
  const args: unknown[] = [];
  if (f.status?.length) { where.push(`status IN (${f.status.map(() => '?').join(',')})`); args.push(...f.status); }
  if (f.kind) { where.push('kind = ?'); args.push(f.kind); }
  if (f.entity) { where.push('entity = ?'); args.push(f.entity); }
  if (f.scope) { where.push('entity IN (SELECT value FROM json_each(?))'); args.push(json(f.scope)); }
  if (f.beforeId !== undefined) { where.push('id < ?'); args.push(f.beforeId); }
  const limit = Math.min(Math.max(f.limit ?? 100, 1), 1000);
  return db.prepare(`SELECT * FROM outbox ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${limit}`).all(...args) as OutboxRow[];
}

export function listAttempts(db: Db, outboxId: number): AttemptRow[] {
  return db.prepare('SELECT * FROM outbox_attempts WHERE outbox_id = ? ORDER BY seq').all(outboxId) as AttemptRow[];
}

export function countOutbox(db: Db, scope: ReadonlySet<string> | null = null): OutboxCounts {
  const counts: OutboxCounts = { pending: 0, in_flight: 0, sent: 0, failed: 0, dead: 0, cancelled: 0 };
  const rows = (scope
    ? db.prepare('SELECT status, COUNT(*) AS n FROM outbox WHERE entity IN (SELECT value FROM json_each(?)) GROUP BY status').all(json(scope))
    : db.prepare('SELECT status, COUNT(*) AS n FROM outbox GROUP BY status').all()) as { status: OutboxStatus; n: number }[];
  for (const r of rows) counts[r.status] = r.n;
  return counts;
}

/** How many attempts of an outbox row ended with this error code. */
export function countAttemptsWithCode(db: Db, outboxId: number, errorCode: string): number {
  const [row] = all(db, qb.selectFrom('outbox_attempts').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('outbox_id', '=', outboxId).where('error_code', '=', errorCode));
  return row?.n ?? 0;
}

/** Attempts of a row that may have reached the PSP (timeouts, reset connections, interruptions). */
export function countAmbiguousAttempts(db: Db, outboxId: number): number {
  return (db.prepare("SELECT COUNT(*) AS n FROM outbox_attempts WHERE outbox_id = ? AND outcome IN ('retry', 'interrupted', 'dead') AND error_code IN ('timeout', 'connection', 'interrupted', 'server_error')")
    .get(outboxId) as { n: number }).n;
}

/** What the sync status shows of the rows in scope (null: every row). */
export function outboxHighlights(db: Db, scope: ReadonlySet<string> | null): {
  lastSent: { id: number; kind: string; entity: string | null; idempotency_key: string; sent_at: string } | undefined;
  lastError: { id: number; kind: string; entity: string | null; status: OutboxStatus; code: string | null; message: string | null; at: string } | undefined;
  nextDue: string | null;
  pspFailures: number;
} {
  const scoped = scope === null ? '' : 'AND entity IN (SELECT value FROM json_each(?))';
  const args = scope === null ? [] : [json(scope)];
  const lastSent = db.prepare(`SELECT id, kind, entity, idempotency_key, sent_at FROM outbox WHERE status = 'sent' ${scoped} ORDER BY sent_at DESC, id DESC LIMIT 1`).get(...args) as
    { id: number; kind: string; entity: string | null; idempotency_key: string; sent_at: string } | undefined;
  const lastError = db.prepare(`SELECT id, kind, entity, status, last_error_code AS code, last_error AS message, updated_at AS at FROM outbox
    WHERE status IN ('failed', 'dead') AND last_error IS NOT NULL ${scoped} ORDER BY updated_at DESC, id DESC LIMIT 1`).get(...args) as
    { id: number; kind: string; entity: string | null; status: OutboxStatus; code: string | null; message: string | null; at: string } | undefined;
  const nextDue = db.prepare(`SELECT MIN(next_attempt_at) AS at FROM outbox WHERE status IN ('pending', 'failed') ${scoped}`).get(...args) as { at: string | null };
  const pspFailures = (db.prepare(`SELECT COUNT(*) AS n FROM psp_objects WHERE status_rank >= 90 ${scoped}`).get(...args) as { n: number }).n;
  return { lastSent, lastError, nextDue: nextDue.at, pspFailures };
}

/** The stored (non-cancelled) refund calls of an order: what each already refunds, per payment. */
export function refundPartsOfOrder(db: Db, order: string): { payment: string; amount: number }[][] {
  const rows = db.prepare("SELECT payload_json, status FROM outbox WHERE kind = 'psp.refund' AND json_extract(payload_json, '$.order') = ?").all(order) as
    { payload_json: string; status: string }[];
  return rows.filter((r) => r.status !== 'cancelled').map((r) => (JSON.parse(r.payload_json) as { payments: { payment: string; amount: number }[] }).payments);
}

// ---- Writing ------------------------------------------------------------------------------

export interface NewOutboxRow {
  kind: OutboxKind; target: string; idempotency_key: string; entity: string | null; depends_on: string | null;
  payload_json: string; payload_hash: string; next_attempt_at: string; created_at: string;
}

/** Inserts a pending call; returns its id. */
export function insertOutboxRow(db: Db, r: NewOutboxRow): number {
  return db.prepare(`INSERT INTO outbox (kind, target, idempotency_key, entity, depends_on, payload_json, payload_hash, status, attempts,
      next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?) RETURNING id`).pluck()
    .get(r.kind, r.target, r.idempotency_key, r.entity, r.depends_on, r.payload_json, r.payload_hash, r.next_attempt_at, r.created_at, r.created_at) as number;
}

export function logAttempt(db: Db, a: Omit<AttemptRow, 'seq'>): void {
  db.prepare(`INSERT INTO outbox_attempts (outbox_id, attempt, started_at, finished_at, outcome, error_code, error, http_status, actor)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(a.outbox_id, a.attempt, a.started_at, a.finished_at, a.outcome, a.error_code, a.error, a.http_status, a.actor);
}

/** Back in the queue with a fresh attempt budget (an operator's retry). */
export function requeueRow(db: Db, id: number, at: string): void {
  db.prepare(`UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?, updated_at = ?, claimed_by = NULL, claimed_at = NULL WHERE id = ?`).run(at, at, id);
}

export function markCancelled(db: Db, id: number, at: string, why: string): void {
  db.prepare(`UPDATE outbox SET status = 'cancelled', updated_at = ?, last_error = ?, last_error_code = 'cancelled' WHERE id = ?`).run(at, why, id);
}

/** Marks a call sent because the PSP shows what it made (its acknowledgement was lost). */
export function markSentFromPsp(db: Db, id: number, at: string, adapter: string, responseJson: string): void {
  db.prepare(`UPDATE outbox SET status = 'sent', sent_at = ?, updated_at = ?, adapter = ?, response_json = ?, last_error = NULL, last_error_code = NULL WHERE id = ?`)
    .run(at, at, adapter, responseJson, id);
}

// ---- The runner's claims ------------------------------------------------------------------

/**
 * A call never tried, due from its creation: due whatever the clock says now, so a business
 * transaction stamped by another clock (a frozen one in tests, a machine whose clock was fixed
 * backwards) does not hold its calls back.
 */
const NEW_CALL = "(o.attempts = 0 AND o.status = 'pending' AND o.next_attempt_at <= o.created_at)";
const READY = "o.status IN ('pending', 'failed') AND o.target IN (SELECT value FROM json_each(?)) AND (o.depends_on IS NULL OR d.status IN ('sent', 'dead', 'cancelled'))";

export function inFlightRows(db: Db): OutboxRow[] {
  return db.prepare("SELECT * FROM outbox WHERE status = 'in_flight'").all() as OutboxRow[];
}

/** The next due row for these targets whose dependency is settled. */
export function nextDueRow(db: Db, now: string, targets: readonly string[]): OutboxRow | undefined {
  return db.prepare(`SELECT o.* FROM outbox o LEFT JOIN outbox d ON d.idempotency_key = o.depends_on
      WHERE o.status IN ('pending', 'failed') AND (o.next_attempt_at <= ? OR ${NEW_CALL}) AND o.target IN (SELECT value FROM json_each(?))
        AND (o.depends_on IS NULL OR d.status IN ('sent', 'dead', 'cancelled'))
      ORDER BY o.next_attempt_at, o.id LIMIT 1`).get(now, JSON.stringify(targets)) as OutboxRow | undefined;
}

/** When the earliest ready row falls due: '' for a new call (at once), null when none waits. */
export function earliestDue(db: Db, targets: readonly string[]): string | null {
  return (db.prepare(`SELECT MIN(CASE WHEN ${NEW_CALL} THEN '' ELSE o.next_attempt_at END) AS at FROM outbox o LEFT JOIN outbox d ON d.idempotency_key = o.depends_on
      WHERE ${READY}`).get(JSON.stringify(targets)) as { at: string | null }).at;
}

/** Claims a pending or failed row for a runner; false when someone else changed it first. */
export function claimRow(db: Db, id: number, runner: string, now: string): boolean {
  return db.prepare(`UPDATE outbox SET status = 'in_flight', claimed_by = ?, claimed_at = ?, first_attempt_at = COALESCE(first_attempt_at, ?), updated_at = ?
      WHERE id = ? AND status IN ('pending', 'failed')`).run(runner, now, now, now, id).changes > 0;
}

/** The status of the row holding this key, if any. */
export function statusOfKey(db: Db, key: string): OutboxStatus | undefined {
  return (db.prepare('SELECT status FROM outbox WHERE idempotency_key = ?').get(key) as { status: OutboxStatus } | undefined)?.status;
}

/** A claimed row's call went through; false when the row changed hands during the call. */
export function markClaimedSent(db: Db, id: number, runner: string, s: { at: string; responseJson: string; adapter: string }): boolean {
  return db.prepare(`UPDATE outbox SET status = 'sent', attempts = attempts + 1, sent_at = ?, response_json = ?, adapter = ?, last_error = NULL,
      last_error_code = NULL, claimed_by = NULL, updated_at = ? WHERE id = ? AND status = 'in_flight' AND claimed_by = ?`)
    .run(s.at, s.responseJson, s.adapter, s.at, id, runner).changes > 0;
}

export interface RowFailure { status: 'pending' | 'failed' | 'dead'; attempts: number; nextAt: string; message: string; code: string; at: string }

/** A claimed row's call failed: its new status, attempt count and next try. */
export function markClaimedFailed(db: Db, id: number, runner: string, f: RowFailure): void {
  db.prepare(`UPDATE outbox SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ?, last_error_code = ?, claimed_by = NULL, updated_at = ?
      WHERE id = ? AND status = 'in_flight' AND claimed_by = ?`)
    .run(f.status, f.attempts, f.nextAt, f.message, f.code, f.at, id, runner);
}

/** An in-flight row whose runner stopped during the call. */
export function markInterrupted(db: Db, id: number, f: { status: 'failed' | 'dead'; attempts: number; at: string; message: string }): void {
  db.prepare(`UPDATE outbox SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ?, last_error_code = 'interrupted', claimed_by = NULL, updated_at = ? WHERE id = ?`)
    .run(f.status, f.attempts, f.at, f.message, f.at, id);
}

// ---- The demo's staged past ---------------------------------------------------------------

/** A call the demo shows as sent (its runner never ran). */
export function stageSentCall(db: Db, key: string, sentAt: string): void {
  db.prepare("UPDATE outbox SET status = 'sent', attempts = 1, sent_at = ? WHERE idempotency_key = ?").run(sentAt, key);
}

/** A call the demo shows as dead-lettered. */
export function stageDeadCall(db: Db, key: string, attempts: number, error: string): void {
  db.prepare("UPDATE outbox SET status = 'dead', attempts = ?, last_error = ? WHERE idempotency_key = ?").run(attempts, error, key);
}
