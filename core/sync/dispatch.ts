// Turns one outbox row into the adapter call(s) it stands for. Pure mapping plus one read (the
// PSP id of the transfer a reversal takes back); the runner does the bookkeeping around it.
import { createHash } from 'node:crypto';
import type { Db } from '../store/db.js';
import { transferIdOfCall } from '../store/psp-repo.js';
import { PspError, type CallTags, type PspAdapter, type PspObject, type PspObjectType } from '../adapters/psp.js';
import type { AdapterRegistry } from '../adapters/registry.js';
import type { OutboxRow } from './outbox.js';
import type { CapturePayload, PayoutPayload, RefundPayload, TransferPayload, TransferReversalPayload } from './payloads.js';

export interface DispatchResult {
  adapter: string;
  objects: PspObject[];
  response: unknown;
}

/** The PSP's transfer group for a release run: every transfer of the run carries it. */
export const transferGroupOf = (releaseRun: string) => `ventil-run-${releaseRun}`;

/**
 * The key a call is sent under after `refusals` refusals for want of funds. The PSP keeps a
 * refusal under its key (Stripe replays it for 24 hours), and such a refusal means nothing was
 * applied, so the next try is a new request under a new key; the metadata keeps the row's own
 * key, by which the call is found again. Refunds are not re-keyed: a row of several refunds may
 * have made some, and only their own keys keep those from being made twice.
 */
export function fundsKey(key: string, refusals: number): string {
  if (refusals === 0) return key;
  const k = `${key}~funds${refusals}`;
  return k.length <= 255 ? k : `${createHash('sha256').update(key).digest('hex').slice(0, 48)}~funds${refusals}`;
}

/** Key of the i-th PSP call of a row that makes several (a refund spread over payments). */
export function subKey(key: string, index: number, count: number): string {
  if (count === 1) return key;
  const k = `${key}#${index + 1}`;
  return k.length <= 255 ? k : `${createHash('sha256').update(key).digest('hex').slice(0, 48)}#${index + 1}`;
}

function tags(row: OutboxRow, extra: Partial<CallTags> = {}): CallTags {
  return { ventilKey: row.idempotency_key, entity: row.entity ?? '', kind: row.kind, ...extra };
}

function needPsp(reg: AdapterRegistry): PspAdapter {
  if (!reg.psp) throw new PspError({ disposition: 'blocked', code: 'no_adapter', message: 'no PSP adapter is configured' });
  return reg.psp;
}

/** The PSP id of the transfer a reversal takes back. */
export function transferIdFor(db: Db, p: TransferReversalPayload): string {
  if (p.transfer_id) return p.transfer_id;
  const pspId = p.transfer_key === undefined ? undefined : transferIdOfCall(db, p.transfer_key);
  if (pspId !== undefined) return pspId;
  throw new PspError({ disposition: 'permanent', code: 'transfer_unknown', message: `the transfer ${p.transfer_key} has no PSP id on record` });
}

/**
 * Makes the call(s) of one outbox row. With `lookupFirst` (the row was first tried longer ago than
 * the PSP keeps idempotency keys), it first asks the PSP whether the call already exists, and
 * only makes it when it does not.
 */
export async function dispatch(db: Db, row: OutboxRow, reg: AdapterRegistry, timeoutMs: number, lookupFirst = false, fundsRefusals = 0): Promise<DispatchResult> {
  const payload = JSON.parse(row.payload_json) as Record<string, unknown>;
  const key = row.kind === 'psp.refund' || row.kind === 'erp.push' ? row.idempotency_key : fundsKey(row.idempotency_key, fundsRefusals);
  if (lookupFirst && row.kind !== 'psp.refund' && row.kind !== 'erp.push') {
    const psp = needPsp(reg);
    const where = findHint(db, row);
    const found = where ? await psp.find(where.type, where.hint) : null;
    if (found) return { adapter: psp.name, objects: [found], response: { found } };
  }
  switch (row.kind) {
    case 'psp.transfer': {
      const psp = needPsp(reg);
      const p = payload as unknown as TransferPayload;
      const obj = await psp.transfer({
        destination: p.destination!, amount: p.amount, currency: p.currency, transferGroup: transferGroupOf(p.release_run),
        description: p.description, tags: tags(row, { releaseRun: p.release_run, orders: p.orders }),
      }, { idempotencyKey: key, timeoutMs });
      return { adapter: psp.name, objects: [obj], response: obj };
    }
    case 'psp.transfer_reversal': {
      const psp = needPsp(reg);
      const p = payload as unknown as TransferReversalPayload;
      const obj = await psp.reverseTransfer({
        transferId: transferIdFor(db, p), amount: p.amount, currency: p.currency, description: p.reason,
        tags: tags(row, { orders: p.orders }),
      }, { idempotencyKey: key, timeoutMs });
      return { adapter: psp.name, objects: [obj], response: obj };
    }
    case 'psp.refund': {
      const psp = needPsp(reg);
      const p = payload as unknown as RefundPayload;
      const objects: PspObject[] = [];
      // One refund per payment, each under its own derived key: a retry after a partial success
      // replays the refunds already made and makes only the missing ones.
      for (const [i, part] of p.payments.entries()) {
        const found = lookupFirst ? await psp.find('refund', { key, paymentId: part.psp_payment }) : null;
        if (found) { objects.push(found); continue; }
        objects.push(await psp.refund({
          paymentId: part.psp_payment, amount: part.amount, currency: p.currency, reason: p.reason,
          tags: tags(row, { order: p.order }),
        }, { idempotencyKey: subKey(key, i, p.payments.length), timeoutMs }));
      }
      return { adapter: psp.name, objects, response: objects };
    }
    case 'psp.capture': {
      const psp = needPsp(reg);
      const p = payload as unknown as CapturePayload;
      const obj = await psp.capture({ paymentId: p.psp_payment, amount: p.amount, currency: p.currency, tags: tags(row, { order: p.order }) },
        { idempotencyKey: key, timeoutMs });
      return { adapter: psp.name, objects: [obj], response: obj };
    }
    case 'psp.payout': {
      const psp = needPsp(reg);
      const p = payload as unknown as PayoutPayload;
      const obj = await psp.payout({ amount: p.amount, currency: p.currency, description: p.description, tags: tags(row, { releaseRun: p.release_run }) },
        { idempotencyKey: key, timeoutMs });
      return { adapter: psp.name, objects: [obj], response: obj };
    }
    case 'erp.push': {
      if (!reg.erp) throw new PspError({ disposition: 'blocked', code: 'no_adapter', message: 'no ERP adapter is configured' });
      const res = await reg.erp.push(payload, { idempotencyKey: key, timeoutMs });
      return { adapter: reg.erp.name, objects: [], response: res };
    }
    default:
      throw new PspError({ disposition: 'permanent', code: 'unknown_kind', message: `no dispatcher for ${row.kind}` });
  }
}

/** Where to look for what a row created, when its key may have expired at the PSP. */
export function findHint(db: Db, row: OutboxRow): { type: PspObjectType; hint: { key: string; transferGroup?: string; transferId?: string; paymentId?: string } } | null {
  const p = JSON.parse(row.payload_json) as Record<string, unknown>;
  const key = row.idempotency_key;
  switch (row.kind) {
    case 'psp.transfer': return { type: 'transfer', hint: { key, transferGroup: transferGroupOf(p.release_run as string) } };
    case 'psp.transfer_reversal': return { type: 'transfer_reversal', hint: { key, transferId: transferIdFor(db, p as unknown as TransferReversalPayload) } };
    case 'psp.capture': return { type: 'capture', hint: { key, paymentId: p.psp_payment as string } };
    case 'psp.payout': return { type: 'payout', hint: { key } };
    default: return null; // refunds are several objects; their sub-keys are replayed one by one
  }
}
