// The outbox: calls to the PSP and the ERP, written in the same transaction as the business
// change that needs them, then sent by the runner (core/sync/runner.ts).
//
// THE CONTRACT, for every engineer who enqueues a call:
//
//   enqueue(db, { kind, target?, idempotencyKey, payload, dependsOn?, now? }): EnqueueResult
//
//   - Call it INSIDE your business transaction, e.g. in the same `db.transaction(() => { ... })`
//     that writes the release run and its transfer batch. It is synchronous, touches only this
//     database, and never calls the network: the runner sends the row later, outside any
//     transaction. If your transaction rolls back, the call is gone with it; if it commits, the
//     call will be sent, once, even if the process is killed at any point afterwards.
//   - `idempotencyKey` is derived from what the call pays, never random (docs/spec.md section 8; see
//     `transferKey` and friends in ./payloads.ts). It is sent to the PSP as the Idempotency-Key
//     of the call, on every retry, so the PSP applies it at most once.
//   - Enqueueing the same key again with the same payload is a no-op (`created: false`). The same
//     key with a different payload throws `OutboxError('idempotency_conflict')`: two different
//     calls must not share a key, and silently keeping either would lose money.
//   - The payload is checked against the kind's schema (./payloads.ts); a bad payload throws an
//     OutboxError listing every issue, and your transaction should roll back.
//   - Every payload names its `entity`; store managers see the rows of their entities only.
//   - A written call never changes (a trigger enforces it). To stop one, cancel it (operator
//     action); to send something else, enqueue another call under another key.
import { canonicalJson } from '../domain/canonical.js';
import { spread } from '../domain/money.js';
import { contentHash } from '../store/hash.js';
import type { Sqlite } from '../store/sqlite.js';
import type { Selectable } from 'kysely';
import type { OutboxStatus, OutboxTable } from '../store/schema.js';
import { zodToIssues } from '../domain/scenario.js';
import { DEFAULT_TARGETS, OUTBOX_KINDS, PAYLOAD_SCHEMAS, type OutboxKind } from './payloads.js';

export interface OutboxIssue { path: string; code: string; message: string }

/** A refused enqueue or operator action; `callApi` turns it into an error value. */
export class OutboxError extends Error {
  constructor(readonly code: string, message: string, readonly issues?: OutboxIssue[]) {
    super(message);
    this.name = 'OutboxError';
  }
}

export interface EnqueueInput {
  kind: OutboxKind;
  /** Adapter the call goes to: `psp` (the configured PSP) or `erp`; defaults by kind. */
  target?: string;
  idempotencyKey: string;
  payload: Record<string, unknown>;
  /** Key of another outbox row that must be sent first (filled for reversals by transfer_key). */
  dependsOn?: string;
  /** When the row becomes due; defaults to `now`. */
  notBefore?: Date;
  now?: Date;
}

export interface EnqueueResult { id: number; created: boolean; status: OutboxStatus; idempotencyKey: string }

/** A stored outbox row, its kind typed. */
export type OutboxRow = Omit<Selectable<OutboxTable>, 'kind'> & { kind: OutboxKind };

const KEY_TEXT = /^[\x21-\x7e]{1,255}$/;

/** Writes a call to the outbox (see the contract at the top of this file). */
export function enqueue(db: Sqlite, input: EnqueueInput): EnqueueResult {
  if (!db.inTransaction) {
    // Allowed (a lone call is its own transaction), but the point of an outbox is to share the
    // caller's transaction; wrap so the row and its checks are at least atomic.
    return db.transaction(() => enqueue(db, input))();
  }
  if (!(OUTBOX_KINDS as readonly string[]).includes(input.kind)) {
    throw new OutboxError('unknown_kind', `unknown outbox kind ${JSON.stringify(input.kind)}; expected one of ${OUTBOX_KINDS.join(', ')}`);
  }
  if (typeof input.idempotencyKey !== 'string' || !KEY_TEXT.test(input.idempotencyKey)) {
    throw new OutboxError('invalid_key', 'an idempotency key is 1 to 255 printable ASCII characters without spaces',
      [{ path: 'idempotencyKey', code: 'invalid_key', message: 'expected 1 to 255 printable ASCII characters' }]);
  }
  const now = (input.now ?? new Date()).toISOString();
  const target = input.target ?? DEFAULT_TARGETS[input.kind];

  const existing = db.prepare('SELECT * FROM outbox WHERE idempotency_key = ?').get(input.idempotencyKey) as OutboxRow | undefined;
  if (existing) {
    // Compare what the caller says with what was stored (the stored payload may hold defaults
    // filled in at the first enqueue, such as the destination or the refund split).
    const stored = JSON.parse(existing.payload_json) as Record<string, unknown>;
    const differs = existing.kind !== input.kind || existing.target !== target ||
      Object.entries(input.payload).some(([k, v]) => v !== undefined && canonicalJson(v) !== canonicalJson(stored[k]));
    if (differs) {
      throw new OutboxError('idempotency_conflict',
        `the idempotency key ${input.idempotencyKey} is already used by outbox row ${existing.id} for another call; derive keys from what the call pays`);
    }
    return { id: existing.id, created: false, status: existing.status, idempotencyKey: existing.idempotency_key };
  }

  const filled = fillDefaults(db, input.kind, { ...input.payload });
  const parsed = PAYLOAD_SCHEMAS[input.kind].safeParse(filled);
  if (!parsed.success) {
    const issues = zodToIssues(parsed.error, 'payload');
    throw new OutboxError('invalid_payload', `invalid ${input.kind} payload: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
  }
  const payload = parsed.data as Record<string, unknown>;
  let dependsOn = input.dependsOn ?? null;
  if (input.kind === 'psp.transfer_reversal' && typeof payload.transfer_key === 'string') dependsOn ??= payload.transfer_key;
  if (dependsOn !== null) {
    const dep = db.prepare('SELECT kind, entity, payload_json FROM outbox WHERE idempotency_key = ?').get(dependsOn) as { kind: string; entity: string | null; payload_json: string } | undefined;
    if (!dep) throw new OutboxError('unknown_dependency', `no outbox row has the key ${dependsOn}; enqueue the transfer first (same transaction is fine)`);
    if (input.kind === 'psp.transfer_reversal' && dep.kind !== 'psp.transfer') {
      throw new OutboxError('invalid_dependency', `${dependsOn} is a ${dep.kind}, not a psp.transfer`);
    }
  }
  const entity = typeof payload.entity === 'string' ? payload.entity : null;
  const notBefore = input.notBefore ? input.notBefore.toISOString() : now;
  const info = db.prepare(`INSERT INTO outbox (kind, target, idempotency_key, entity, depends_on, payload_json, payload_hash, status, attempts,
      next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)`)
    .run(input.kind, target, input.idempotencyKey, entity, dependsOn, JSON.stringify(payload), contentHash(payload), notBefore, now, now);
  return { id: Number(info.lastInsertRowid), created: true, status: 'pending', idempotencyKey: input.idempotencyKey };
}

/** Fills what the database knows and the caller may leave out. */
function fillDefaults(db: Sqlite, kind: OutboxKind, p: Record<string, unknown>): Record<string, unknown> {
  if (kind === 'psp.transfer' && p.destination === undefined && typeof p.entity === 'string') {
    const row = db.prepare('SELECT psp_account FROM entities WHERE id = ?').get(p.entity) as { psp_account: string | null } | undefined;
    if (!row) throw new OutboxError('unknown_entity', `no entity ${JSON.stringify(p.entity)}`, [{ path: 'payload.entity', code: 'unknown_reference', message: 'no such entity' }]);
    if (!row.psp_account) throw new OutboxError('no_psp_account', `entity ${p.entity} has no psp_account to transfer to`, [{ path: 'payload.destination', code: 'no_psp_account', message: 'the entity has no PSP account' }]);
    p.destination = row.psp_account;
  }
  if ((kind === 'psp.refund' || kind === 'psp.capture' || kind === 'psp.payout') && p.entity === undefined) {
    p.entity = platformEntity(db) ?? undefined;
  }
  if (kind === 'psp.refund' && p.payments === undefined && typeof p.order === 'string' && Number.isSafeInteger(p.amount)) {
    p.payments = refundSplit(db, p.order, p.amount as number);
  }
  return p;
}

function platformEntity(db: Sqlite): string | null {
  const row = db.prepare("SELECT value FROM network_settings WHERE key = 'platform_entity'").get() as { value: string } | undefined;
  return row ? (JSON.parse(row.value) as string) : null;
}

/**
 * Spreads a refund over the order's payments in proportion to what each can still refund
 * (its amount less the refunds already enqueued for it). Spreading each refund over the original
 * amounts could, by rounding, refund one payment more than it took; spreading over what is left
 * cannot (each part is at most its weight), and stays proportional when earlier refunds were.
 */
export function refundSplit(db: Sqlite, order: string, amount: number): { payment: string; psp_payment: string; amount: number }[] {
  const payments = db.prepare('SELECT payment_id, amount FROM payments WHERE order_id = ? ORDER BY seq').all(order) as { payment_id: string; amount: number }[];
  if (payments.length === 0) throw new OutboxError('no_payments', `order ${order} has no stored payments to refund`, [{ path: 'payload.order', code: 'no_payments', message: 'no payments' }]);
  const refunded = new Map<string, number>();
  const rows = db.prepare("SELECT payload_json, status FROM outbox WHERE kind = 'psp.refund' AND json_extract(payload_json, '$.order') = ?").all(order)
    .filter((r) => (r as { status: string }).status !== 'cancelled') as { payload_json: string }[];
  for (const r of rows) {
    for (const part of (JSON.parse(r.payload_json) as { payments: { payment: string; amount: number }[] }).payments) {
      refunded.set(part.payment, (refunded.get(part.payment) ?? 0) + part.amount);
    }
  }
  const left = payments.map((p) => Math.max(0, p.amount - (refunded.get(p.payment_id) ?? 0)));
  const total = left.reduce((s, x) => s + x, 0);
  if (amount > total) {
    throw new OutboxError('refund_exceeds_payments', `order ${order} can refund at most ${total} more, not ${amount}`, [{ path: 'payload.amount', code: 'refund_exceeds_payments', message: `at most ${total}` }]);
  }
  const parts = spread(amount, left);
  return payments.map((p, i) => ({ payment: p.payment_id, psp_payment: p.payment_id, amount: parts[i] })).filter((p) => p.amount > 0);
}

// ---- Reading ------------------------------------------------------------------------------

export function getOutboxRow(db: Sqlite, id: number): OutboxRow | undefined {
  return db.prepare('SELECT * FROM outbox WHERE id = ?').get(id) as OutboxRow | undefined;
}

export function getOutboxRowByKey(db: Sqlite, key: string): OutboxRow | undefined {
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

export function listOutbox(db: Sqlite, f: ListFilter = {}): OutboxRow[] {
  const where: string[] = [];
  const args: unknown[] = [];
  if (f.status?.length) { where.push(`status IN (${f.status.map(() => '?').join(',')})`); args.push(...f.status); }
  if (f.kind) { where.push('kind = ?'); args.push(f.kind); }
  if (f.entity) { where.push('entity = ?'); args.push(f.entity); }
  if (f.scope) { where.push('entity IN (SELECT value FROM json_each(?))'); args.push(JSON.stringify([...f.scope])); }
  if (f.beforeId !== undefined) { where.push('id < ?'); args.push(f.beforeId); }
  const limit = Math.min(Math.max(f.limit ?? 100, 1), 1000);
  return db.prepare(`SELECT * FROM outbox ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${limit}`).all(...args) as OutboxRow[];
}

export interface AttemptRow {
  seq: number; outbox_id: number; attempt: number; started_at: string; finished_at: string; outcome: string;
  error_code: string | null; error: string | null; http_status: number | null; actor: string | null;
}

export function listAttempts(db: Sqlite, outboxId: number): AttemptRow[] {
  return db.prepare('SELECT * FROM outbox_attempts WHERE outbox_id = ? ORDER BY seq').all(outboxId) as AttemptRow[];
}

export interface OutboxCounts { pending: number; in_flight: number; sent: number; failed: number; dead: number; cancelled: number }

export function countOutbox(db: Sqlite, scope: ReadonlySet<string> | null = null): OutboxCounts {
  const counts: OutboxCounts = { pending: 0, in_flight: 0, sent: 0, failed: 0, dead: 0, cancelled: 0 };
  const rows = (scope
    ? db.prepare('SELECT status, COUNT(*) AS n FROM outbox WHERE entity IN (SELECT value FROM json_each(?)) GROUP BY status').all(JSON.stringify([...scope]))
    : db.prepare('SELECT status, COUNT(*) AS n FROM outbox GROUP BY status').all()) as { status: OutboxStatus; n: number }[];
  for (const r of rows) counts[r.status] = r.n;
  return counts;
}

// ---- Operator actions -----------------------------------------------------------------------
// Both run inside the API's transaction and only change delivery state; each leaves an
// attempt-log line naming the operator.

/** Puts a dead (or failed) row back in the queue, with a fresh attempt budget and the SAME key. */
export function retryRow(db: Sqlite, id: number, actor: string, now: Date): OutboxRow {
  const row = getOutboxRow(db, id);
  if (!row) throw new OutboxError('not_found', `outbox row ${id} does not exist`);
  if (row.status !== 'dead' && row.status !== 'failed') {
    throw new OutboxError('invalid_state', `outbox row ${id} is ${row.status}; only dead or failed rows can be retried`);
  }
  const at = now.toISOString();
  db.prepare(`UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?, updated_at = ?, claimed_by = NULL, claimed_at = NULL WHERE id = ?`).run(at, at, id);
  logAttempt(db, { outbox_id: id, attempt: row.attempts, started_at: at, finished_at: at, outcome: 'operator_retry', error_code: null, error: null, http_status: null, actor });
  return getOutboxRow(db, id)!;
}

/**
 * Cancels a row that is not sent and not being sent. When earlier attempts may have reached the
 * PSP (a timeout, a reset connection), the call may still have been applied there: the result
 * says so, and reconciliation will show it as an extra PSP object if it was.
 */
export function cancelRow(db: Sqlite, id: number, actor: string, reason: string, now: Date): { row: OutboxRow; mayHaveBeenApplied: boolean } {
  const row = getOutboxRow(db, id);
  if (!row) throw new OutboxError('not_found', `outbox row ${id} does not exist`);
  if (!['pending', 'failed', 'dead'].includes(row.status)) {
    throw new OutboxError('invalid_state', `outbox row ${id} is ${row.status}; only pending, failed or dead rows can be cancelled`);
  }
  const at = now.toISOString();
  db.prepare(`UPDATE outbox SET status = 'cancelled', updated_at = ?, last_error = ?, last_error_code = 'cancelled' WHERE id = ?`)
    .run(at, `cancelled by ${actor}: ${reason}`, id);
  logAttempt(db, { outbox_id: id, attempt: row.attempts, started_at: at, finished_at: at, outcome: 'operator_cancel', error_code: 'cancelled', error: reason, http_status: null, actor });
  const ambiguous = db.prepare("SELECT COUNT(*) AS n FROM outbox_attempts WHERE outbox_id = ? AND outcome IN ('retry', 'interrupted', 'dead') AND error_code IN ('timeout', 'connection', 'interrupted', 'server_error')").get(id) as { n: number };
  return { row: getOutboxRow(db, id)!, mayHaveBeenApplied: ambiguous.n > 0 };
}

export function logAttempt(db: Sqlite, a: Omit<AttemptRow, 'seq'>): void {
  db.prepare(`INSERT INTO outbox_attempts (outbox_id, attempt, started_at, finished_at, outcome, error_code, error, http_status, actor)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(a.outbox_id, a.attempt, a.started_at, a.finished_at, a.outcome, a.error_code, a.error, a.http_status, a.actor);
}

// ---- Sync state ---------------------------------------------------------------------------

export function readState<T>(db: Sqlite, key: string): T | null {
  const row = db.prepare('SELECT value FROM sync_state WHERE key = ?').get(key) as { value: string } | undefined;
  return row ? (JSON.parse(row.value) as T) : null;
}

export function writeState(db: Sqlite, key: string, value: unknown, now: Date): void {
  db.prepare('INSERT INTO sync_state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at')
    .run(key, JSON.stringify(value), now.toISOString());
}
