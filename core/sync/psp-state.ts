// What Ventil knows the PSP did (psp_objects), merged monotonically from every source: the
// acknowledgement of an outbox call, a webhook, an events file, a settlement report row. Sources
// arrive twice or out of order; merging is idempotent and never moves a status backwards, with
// one documented exception: a failure after a success (a transfer returned, a payout failed after
// it was paid, a refund that failed after it succeeded) always wins, because the money did not
// arrive after all (docs/sync.md, "Monotonic state").
import type { Sqlite } from '../store/sqlite.js';
import type { PspObject, PspObjectType } from '../adapters/psp.js';
import { logAttempt, type OutboxRow } from './outbox.js';

/** Status ladders per object type. Higher wins; FAILURE_RANK beats every success. */
export const FAILURE_RANK = 90;
const LADDERS: Record<PspObjectType, Record<string, number>> = {
  capture: { requires_capture: 5, processing: 10, succeeded: 20, canceled: FAILURE_RANK, failed: FAILURE_RANK },
  transfer: { pending: 10, created: 15, paid: 20, reversed: 30, failed: FAILURE_RANK, returned: FAILURE_RANK, canceled: FAILURE_RANK },
  transfer_reversal: { pending: 10, succeeded: 20, failed: FAILURE_RANK },
  refund: { requires_action: 5, pending: 10, succeeded: 20, failed: FAILURE_RANK, canceled: FAILURE_RANK },
  payout: { pending: 10, in_transit: 15, paid: 20, failed: FAILURE_RANK, canceled: FAILURE_RANK },
};

export function statusRank(type: PspObjectType, status: string): number {
  return LADDERS[type][status] ?? 0;
}

export interface PspObjectRow {
  psp: string; psp_id: string; type: PspObjectType; outbox_key: string | null; entity: string | null; destination: string | null;
  parent_psp_id: string | null; amount: number; amount_reversed: number; fee: number | null; currency: string; status: string;
  status_rank: number; failure_code: string | null; release_run: string | null; orders_json: string | null; psp_created: string | null;
  first_seen_at: string; updated_at: string; last_source: string;
}

export interface MergeContext {
  source: 'ack' | 'webhook' | 'file' | 'report' | 'lookup';
  now: Date;
  outboxKey?: string | null;
  entity?: string | null;
  releaseRun?: string | null;
  orders?: readonly { order: string; amount: number }[] | null;
  failureCode?: string | null;
}

export type MergeResult = 'created' | 'advanced' | 'unchanged' | 'stale';

/**
 * Merges what a source says about one PSP object. Call inside a transaction. Returns what it did:
 * `created`, `advanced` (status or reversed amount moved forward), `unchanged` (same news
 * again) or `stale` (older news, ignored).
 */
export function mergePspObject(db: Sqlite, psp: string, obj: PspObject, ctx: MergeContext): MergeResult {
  const now = ctx.now.toISOString();
  const meta = obj.metadata ?? {};
  const outboxKey = ctx.outboxKey ?? meta.ventil_key ?? null;
  let entity: string | null = ctx.entity ?? meta.ventil_entity ?? meta.entity ?? null;
  let releaseRun: string | null = ctx.releaseRun ?? meta.ventil_release_run ?? meta.release_run ?? null;
  let orders = ctx.orders ?? null;
  if (outboxKey && (!entity || !orders)) {
    const row = db.prepare('SELECT entity, payload_json FROM outbox WHERE idempotency_key = ?').get(outboxKey) as { entity: string | null; payload_json: string } | undefined;
    if (row) {
      const p = JSON.parse(row.payload_json) as { release_run?: string; orders?: { order: string; amount: number }[] };
      entity ??= row.entity;
      releaseRun ??= p.release_run ?? null;
      orders ??= p.orders ?? null;
    }
  }
  let status = obj.status;
  const amountReversed = obj.amountReversed ?? 0;
  if (obj.type === 'transfer' && obj.amount > 0 && amountReversed >= obj.amount && statusRank('transfer', status) < statusRank('transfer', 'reversed')) status = 'reversed';
  const rank = statusRank(obj.type, status);

  const existing = db.prepare('SELECT * FROM psp_objects WHERE psp = ? AND psp_id = ?').get(psp, obj.id) as PspObjectRow | undefined;
  if (!existing) {
    db.prepare(`INSERT INTO psp_objects (psp, psp_id, type, outbox_key, entity, destination, parent_psp_id, amount, amount_reversed, fee, currency,
        status, status_rank, failure_code, release_run, orders_json, psp_created, first_seen_at, updated_at, last_source)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      psp, obj.id, obj.type, outboxKey, entity, obj.destination ?? null, obj.parentId ?? null, obj.amount, amountReversed, obj.fee ?? null,
      obj.currency.toUpperCase(), status, rank, rank >= FAILURE_RANK ? (ctx.failureCode ?? status) : null, releaseRun,
      orders ? JSON.stringify(orders) : null, obj.created ?? null, now, now, ctx.source);
    return 'created';
  }
  const advancesStatus = rank > existing.status_rank;
  const advancesReversal = amountReversed > existing.amount_reversed;
  // Fill what earlier sources did not know (links to the outbox, the entity), without overwriting.
  db.prepare(`UPDATE psp_objects SET outbox_key = COALESCE(outbox_key, ?), entity = COALESCE(entity, ?), destination = COALESCE(destination, ?),
      parent_psp_id = COALESCE(parent_psp_id, ?), fee = COALESCE(fee, ?), release_run = COALESCE(release_run, ?), orders_json = COALESCE(orders_json, ?),
      psp_created = COALESCE(psp_created, ?) WHERE psp = ? AND psp_id = ?`).run(
    outboxKey, entity, obj.destination ?? null, obj.parentId ?? null, obj.fee ?? null, releaseRun, orders ? JSON.stringify(orders) : null,
    obj.created ?? null, psp, obj.id);
  if (!advancesStatus && !advancesReversal) return rank < existing.status_rank || amountReversed < existing.amount_reversed ? 'stale' : 'unchanged';
  db.prepare(`UPDATE psp_objects SET status = ?, status_rank = ?, amount_reversed = ?, failure_code = COALESCE(?, failure_code), updated_at = ?, last_source = ?
      WHERE psp = ? AND psp_id = ?`).run(
    advancesStatus ? status : existing.status, advancesStatus ? rank : existing.status_rank, Math.max(amountReversed, existing.amount_reversed),
    advancesStatus && rank >= FAILURE_RANK ? (ctx.failureCode ?? status) : null, now, ctx.source, psp, obj.id);
  return 'advanced';
}

/** Kinds whose call creates exactly one PSP object, so seeing that object proves the call was applied. */
const SINGLE_OBJECT_KINDS: Record<string, PspObjectType> = {
  'psp.transfer': 'transfer', 'psp.transfer_reversal': 'transfer_reversal', 'psp.capture': 'capture', 'psp.payout': 'payout',
};

/**
 * When the PSP reports an object created by an outbox call whose acknowledgement was never
 * recorded (the process died after the PSP applied it), the call is known to be applied: mark the
 * row sent so nobody retries or cancels it. Rows being sent right now are left to the runner.
 */
export function confirmOutboxFromPsp(db: Sqlite, psp: string, obj: PspObject, source: string, now: Date): boolean {
  const key = obj.metadata?.ventil_key;
  if (!key) return false;
  const row = db.prepare('SELECT * FROM outbox WHERE idempotency_key = ?').get(key) as OutboxRow | undefined;
  if (!row || SINGLE_OBJECT_KINDS[row.kind] !== obj.type) return false;
  if (!['pending', 'failed', 'dead'].includes(row.status)) return false;
  const at = now.toISOString();
  db.prepare(`UPDATE outbox SET status = 'sent', sent_at = ?, updated_at = ?, adapter = ?, response_json = ?, last_error = NULL, last_error_code = NULL WHERE id = ?`)
    .run(at, at, psp, JSON.stringify({ objects: [obj], confirmed_by: source }), row.id);
  logAttempt(db, { outbox_id: row.id, attempt: row.attempts, started_at: at, finished_at: at, outcome: 'found', error_code: null, error: `confirmed by ${source}`, http_status: null, actor: null });
  return true;
}
