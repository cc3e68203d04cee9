// What Ventil knows the PSP did (psp_objects), merged monotonically from every source: the
// acknowledgement of an outbox call, a webhook, an events file, a settlement report row. Sources
// arrive twice or out of order; merging is idempotent and never moves a status backwards, with
// one documented exception: a failure after a success (a transfer returned, a payout failed after
// it was paid, a refund that failed after it succeeded) always wins, because the money did not
// arrive after all (docs/sync.md, "Monotonic state").
import type { Db } from '../store/db.js';
import type { PspObject, PspObjectType } from '../adapters/psp.js';
import { getOutboxRowByKey, logAttempt, markSentFromPsp } from '../store/outbox-repo.js';
import { fillPspObjectLinks, getPspObject, insertPspObject, setPspObjectStatus, type PspObjectRow } from '../store/psp-repo.js';

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

export type { PspObjectRow };

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
export function mergePspObject(db: Db, psp: string, obj: PspObject, ctx: MergeContext): MergeResult {
  const now = ctx.now.toISOString();
  const meta = obj.metadata ?? {};
  const outboxKey = ctx.outboxKey ?? meta.ventil_key ?? null;
  let entity: string | null = ctx.entity ?? meta.ventil_entity ?? meta.entity ?? null;
  let releaseRun: string | null = ctx.releaseRun ?? meta.ventil_release_run ?? meta.release_run ?? null;
  let orders = ctx.orders ?? null;
  if (outboxKey && (!entity || !orders)) {
    const row = getOutboxRowByKey(db, outboxKey);
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

  const existing = getPspObject(db, psp, obj.id);
  if (!existing) {
    insertPspObject(db, {
      psp, psp_id: obj.id, type: obj.type, outbox_key: outboxKey, entity, destination: obj.destination ?? null, parent_psp_id: obj.parentId ?? null,
      amount: obj.amount, amount_reversed: amountReversed, fee: obj.fee ?? null, currency: obj.currency.toUpperCase(), status, status_rank: rank,
      failure_code: rank >= FAILURE_RANK ? (ctx.failureCode ?? status) : null, release_run: releaseRun,
      orders_json: orders ? JSON.stringify(orders) : null, psp_created: obj.created ?? null, first_seen_at: now, updated_at: now, last_source: ctx.source,
    });
    return 'created';
  }
  const advancesStatus = rank > existing.status_rank;
  const advancesReversal = amountReversed > existing.amount_reversed;
  // Fill what earlier sources did not know (links to the outbox, the entity), without overwriting.
  fillPspObjectLinks(db, psp, obj.id, {
    outbox_key: outboxKey, entity, destination: obj.destination ?? null, parent_psp_id: obj.parentId ?? null, fee: obj.fee ?? null,
    release_run: releaseRun, orders_json: orders ? JSON.stringify(orders) : null, psp_created: obj.created ?? null,
  });
  if (!advancesStatus && !advancesReversal) return rank < existing.status_rank || amountReversed < existing.amount_reversed ? 'stale' : 'unchanged';
  setPspObjectStatus(db, psp, obj.id, {
    status: advancesStatus ? status : existing.status, status_rank: advancesStatus ? rank : existing.status_rank,
    amount_reversed: Math.max(amountReversed, existing.amount_reversed),
    failure_code: advancesStatus && rank >= FAILURE_RANK ? (ctx.failureCode ?? status) : null, updated_at: now, last_source: ctx.source,
  });
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
export function confirmOutboxFromPsp(db: Db, psp: string, obj: PspObject, source: string, now: Date): boolean {
  const key = obj.metadata?.ventil_key;
  if (!key) return false;
  const row = getOutboxRowByKey(db, key);
  if (!row || SINGLE_OBJECT_KINDS[row.kind] !== obj.type) return false;
  if (!['pending', 'failed', 'dead'].includes(row.status)) return false;
  const at = now.toISOString();
  markSentFromPsp(db, row.id, at, psp, JSON.stringify({ objects: [obj], confirmed_by: source }));
  logAttempt(db, { outbox_id: row.id, attempt: row.attempts, started_at: at, finished_at: at, outcome: 'found', error_code: null, error: `confirmed by ${source}`, http_status: null, actor: null });
  return true;
}
