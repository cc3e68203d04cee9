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
import type { Db } from '../store/db.js';
import type { OutboxStatus } from '../store/schema.js';
import {
  countAmbiguousAttempts, getOutboxRow, getOutboxRowByKey, insertOutboxRow, logAttempt, markCancelled, refundPartsOfOrder, requeueRow, type OutboxRow,
} from '../store/outbox-repo.js';
import { getEntity } from '../store/network-repo.js';
import { paymentsOfOrder } from '../store/payments-repo.js';
import { networkSetting } from '../store/release-repo.js';
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

const KEY_TEXT = /^[\x21-\x7e]{1,255}$/;

/** Writes a call to the outbox (see the contract at the top of this file). */
export function enqueue(db: Db, input: EnqueueInput): EnqueueResult {
  if (!db.inTransaction) {
    // Allowed (a lone call is its own transaction), but the point of an outbox is to share the
    // caller's transaction; wrap so the row and its checks are at least atomic.
    return db.transaction(() => enqueue(db, input)).immediate();
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

  const existing = getOutboxRowByKey(db, input.idempotencyKey);
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
    const dep = getOutboxRowByKey(db, dependsOn);
    if (!dep) throw new OutboxError('unknown_dependency', `no outbox row has the key ${dependsOn}; enqueue the transfer first (same transaction is fine)`);
    if (input.kind === 'psp.transfer_reversal' && dep.kind !== 'psp.transfer') {
      throw new OutboxError('invalid_dependency', `${dependsOn} is a ${dep.kind}, not a psp.transfer`);
    }
  }
  const entity = typeof payload.entity === 'string' ? payload.entity : null;
  const notBefore = input.notBefore ? input.notBefore.toISOString() : now;
  const id = insertOutboxRow(db, {
    kind: input.kind, target, idempotency_key: input.idempotencyKey, entity, depends_on: dependsOn,
    payload_json: JSON.stringify(payload), payload_hash: contentHash(payload), next_attempt_at: notBefore, created_at: now,
  });
  return { id, created: true, status: 'pending', idempotencyKey: input.idempotencyKey };
}

/** Fills what the database knows and the caller may leave out. */
function fillDefaults(db: Db, kind: OutboxKind, p: Record<string, unknown>): Record<string, unknown> {
  if (kind === 'psp.transfer' && p.destination === undefined && typeof p.entity === 'string') {
    const row = getEntity(db, p.entity);
    if (!row) throw new OutboxError('unknown_entity', `no entity ${JSON.stringify(p.entity)}`, [{ path: 'payload.entity', code: 'unknown_reference', message: 'no such entity' }]);
    if (!row.psp_account) throw new OutboxError('no_psp_account', `entity ${p.entity} has no psp_account to transfer to`, [{ path: 'payload.destination', code: 'no_psp_account', message: 'the entity has no PSP account' }]);
    p.destination = row.psp_account;
  }
  if ((kind === 'psp.refund' || kind === 'psp.capture' || kind === 'psp.payout') && p.entity === undefined) {
    p.entity = networkSetting<string | null>(db, 'platform_entity', null) ?? undefined;
  }
  if (kind === 'psp.refund' && p.payments === undefined && typeof p.order === 'string' && Number.isSafeInteger(p.amount)) {
    p.payments = refundSplit(db, p.order, p.amount as number);
  }
  return p;
}

/**
 * Spreads a refund over the order's payments in proportion to what each can still refund
 * (its amount less the refunds already enqueued for it). Spreading each refund over the original
 * amounts could, by rounding, refund one payment more than it took; spreading over what is left
 * cannot (each part is at most its weight), and stays proportional when earlier refunds were.
 */
export function refundSplit(db: Db, order: string, amount: number): { payment: string; psp_payment: string; amount: number }[] {
  const payments = paymentsOfOrder(db, order);
  if (payments.length === 0) throw new OutboxError('no_payments', `order ${order} has no stored payments to refund`, [{ path: 'payload.order', code: 'no_payments', message: 'no payments' }]);
  const refunded = new Map<string, number>();
  for (const parts of refundPartsOfOrder(db, order)) {
    for (const part of parts) refunded.set(part.payment, (refunded.get(part.payment) ?? 0) + part.amount);
  }
  const left = payments.map((p) => Math.max(0, p.amount - (refunded.get(p.payment_id) ?? 0)));
  const total = left.reduce((s, x) => s + x, 0);
  if (amount > total) {
    throw new OutboxError('refund_exceeds_payments', `order ${order} can refund at most ${total} more, not ${amount}`, [{ path: 'payload.amount', code: 'refund_exceeds_payments', message: `at most ${total}` }]);
  }
  const parts = spread(amount, left);
  return payments.map((p, i) => ({ payment: p.payment_id, psp_payment: p.payment_id, amount: parts[i] })).filter((p) => p.amount > 0);
}

// ---- Reading (the store's outbox repository, re-exported for the sync modules) -------------

export { countOutbox, getOutboxRow, getOutboxRowByKey, listAttempts, listOutbox, logAttempt } from '../store/outbox-repo.js';
export type { AttemptRow, ListFilter, OutboxCounts, OutboxRow } from '../store/outbox-repo.js';
export { readState, writeState } from '../store/sync-state-repo.js';

// ---- Operator actions -----------------------------------------------------------------------
// Both run inside the API's transaction and only change delivery state; each leaves an
// attempt-log line naming the operator.

/** Puts a dead (or failed) row back in the queue, with a fresh attempt budget and the SAME key. */
export function retryRow(db: Db, id: number, actor: string, now: Date): OutboxRow {
  const row = getOutboxRow(db, id);
  if (!row) throw new OutboxError('not_found', `outbox row ${id} does not exist`);
  if (row.status !== 'dead' && row.status !== 'failed') {
    throw new OutboxError('invalid_state', `outbox row ${id} is ${row.status}; only dead or failed rows can be retried`);
  }
  const at = now.toISOString();
  requeueRow(db, id, at);
  logAttempt(db, { outbox_id: id, attempt: row.attempts, started_at: at, finished_at: at, outcome: 'operator_retry', error_code: null, error: null, http_status: null, actor });
  return getOutboxRow(db, id)!;
}

/**
 * Cancels a row that is not sent and not being sent. When earlier attempts may have reached the
 * PSP (a timeout, a reset connection), the call may still have been applied there: the result
 * says so, and reconciliation will show it as an extra PSP object if it was.
 */
export function cancelRow(db: Db, id: number, actor: string, reason: string, now: Date): { row: OutboxRow; mayHaveBeenApplied: boolean } {
  const row = getOutboxRow(db, id);
  if (!row) throw new OutboxError('not_found', `outbox row ${id} does not exist`);
  if (!['pending', 'failed', 'dead'].includes(row.status)) {
    throw new OutboxError('invalid_state', `outbox row ${id} is ${row.status}; only pending, failed or dead rows can be cancelled`);
  }
  const at = now.toISOString();
  markCancelled(db, id, at, `cancelled by ${actor}: ${reason}`);
  logAttempt(db, { outbox_id: id, attempt: row.attempts, started_at: at, finished_at: at, outcome: 'operator_cancel', error_code: 'cancelled', error: reason, http_status: null, actor });
  return { row: getOutboxRow(db, id)!, mayHaveBeenApplied: countAmbiguousAttempts(db, id) > 0 };
}
