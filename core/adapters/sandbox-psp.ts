// The embedded sandbox PSP, the default adapter: a PSP that lives in the local database, so the
// app, the demo and the tests move money end to end with no account anywhere. It behaves like a
// real one where Ventil depends on it: it honours idempotency keys (same key and parameters give
// the same object; the same key with other parameters is refused), refuses reversing more than
// was transferred or refunding more than was paid, and keeps its own books (sandbox_psp_* tables),
// apart from what Ventil believes it did (psp_objects), so reconciliation has two sides to compare.
import { createHash } from 'node:crypto';
import { canonicalJson } from '../domain/canonical.js';
import { formatMinor } from '../domain/money.js';
import type { Db } from '../store/db.js';
import { allPaymentAmounts, paymentAmount, paymentsCapturedBetween } from '../store/payments-repo.js';
import {
  insertSandboxCall, sandboxObjects, sandboxObjectsBetween, sandboxRequest, sandboxTotalAgainst, sandboxTransfer,
} from '../store/sandbox-psp-repo.js';
import {
  PspError, type CallOptions, type CallTags, type CaptureRequest, type PayoutRequest, type PspAdapter, type PspBalance,
  type PspObject, type PspObjectType, type RefundRequest, type ReversalRequest, type SettlementRow, type TransferRequest,
} from './psp.js';

const PREFIX: Record<PspObjectType, string> = { capture: 'cap', transfer: 'tr', transfer_reversal: 'trr', refund: 're', payout: 'po' };

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

export class SandboxPsp implements PspAdapter {
  readonly name = 'sandbox';
  readonly idempotencyWindowMs = null;

  constructor(private readonly db: Db, private readonly now: () => Date = () => new Date()) {}

  async capture(req: CaptureRequest, opts: CallOptions): Promise<PspObject> {
    return this.apply('capture', opts.idempotencyKey, { payment: req.paymentId, amount: req.amount, currency: req.currency }, req.tags, () => {
      this.checkPayment(req.paymentId, req.amount, 'capture');
      return { destination: null, parent: req.paymentId, status: 'succeeded' };
    }, req.amount, req.currency);
  }

  async transfer(req: TransferRequest, opts: CallOptions): Promise<PspObject> {
    return this.apply('transfer', opts.idempotencyKey,
      { destination: req.destination, amount: req.amount, currency: req.currency, group: req.transferGroup, description: req.description ?? null },
      req.tags, () => {
        if (!req.destination) throw this.invalid('No such destination');
        return { destination: req.destination, parent: null, status: 'paid' };
      }, req.amount, req.currency, { transfer_group: req.transferGroup });
  }

  async reverseTransfer(req: ReversalRequest, opts: CallOptions): Promise<PspObject> {
    return this.apply('transfer_reversal', opts.idempotencyKey, { transfer: req.transferId, amount: req.amount }, req.tags, () => {
      const tr = sandboxTransfer(this.db, req.transferId);
      if (!tr) throw this.invalid(`No such transfer: ${req.transferId}`, 'resource_missing');
      const reversed = sandboxTotalAgainst(this.db, 'transfer_reversal', tr.id);
      if (req.amount > tr.amount - reversed) throw this.invalid(`cannot reverse ${req.amount}: only ${tr.amount - reversed} of ${tr.id} is left`);
      return { destination: tr.destination, parent: tr.id, status: 'succeeded', currency: tr.currency };
    }, req.amount, req.currency);
  }

  async refund(req: RefundRequest, opts: CallOptions): Promise<PspObject> {
    return this.apply('refund', opts.idempotencyKey, { payment: req.paymentId, amount: req.amount, reason: req.reason ?? null }, req.tags, () => {
      this.checkPayment(req.paymentId, req.amount, 'refund');
      return { destination: null, parent: req.paymentId, status: 'succeeded' };
    }, req.amount, req.currency);
  }

  async payout(req: PayoutRequest, opts: CallOptions): Promise<PspObject> {
    return this.apply('payout', opts.idempotencyKey, { amount: req.amount, currency: req.currency }, req.tags,
      () => ({ destination: null, parent: null, status: 'paid' }), req.amount, req.currency);
  }

  async balances(): Promise<PspBalance[]> {
    const out = new Map<string, PspBalance>();
    const add = (account: string | null, currency: string, amount: number) => {
      const k = `${account ?? ''}|${currency}`;
      const b = out.get(k) ?? { account, currency, available: 0, pending: 0 };
      b.available += amount;
      out.set(k, b);
    };
    for (const p of allPaymentAmounts(this.db)) {
      add(null, p.currency, p.amount - p.psp_fee);
    }
    for (const o of sandboxObjects(this.db)) {
      if (o.type === 'transfer') { add(null, o.currency, -o.amount); add(o.destination, o.currency, o.amount); }
      if (o.type === 'transfer_reversal') { add(null, o.currency, o.amount); add(o.destination, o.currency, -o.amount); }
      if (o.type === 'refund' || o.type === 'payout') add(null, o.currency, -o.amount);
    }
    return [...out.values()].sort((a, b) => (a.account ?? '').localeCompare(b.account ?? '') || a.currency.localeCompare(b.currency));
  }

  async settlementReport(range: { from: string; to: string }): Promise<SettlementRow[]> {
    const rows: SettlementRow[] = [];
    const payments = paymentsCapturedBetween(this.db, range.from, range.to);
    for (const p of payments) {
      rows.push({
        balance_transaction_id: `txn_sbx_${sha(`charge:${p.order_id}:${p.payment_id}`).slice(0, 20)}`, created_utc: p.captured_at,
        reporting_category: 'charge', source_id: p.payment_id, currency: p.currency.toLowerCase(),
        gross: formatMinor(p.amount, p.currency), fee: formatMinor(p.psp_fee, p.currency), net: formatMinor(p.amount - p.psp_fee, p.currency),
        payment_intent_id: p.payment_id, order_id: p.order_id,
      });
    }
    const objects = sandboxObjectsBetween(this.db, range.from, range.to);
    for (const o of objects) {
      const meta = JSON.parse(o.metadata_json) as Record<string, string>;
      const sign = o.type === 'transfer_reversal' ? 1 : o.type === 'capture' ? 1 : -1;
      rows.push({
        balance_transaction_id: `txn_sbx_${sha(o.id).slice(0, 20)}`, created_utc: o.created_at,
        reporting_category: o.type === 'capture' ? 'charge' : o.type, source_id: o.id, currency: o.currency.toLowerCase(),
        gross: formatMinor(sign * o.amount, o.currency), fee: formatMinor(0, o.currency), net: formatMinor(sign * o.amount, o.currency),
        connected_account: o.destination ?? undefined,
        transfer_id: o.type === 'transfer_reversal' ? o.parent_id ?? undefined : undefined,
        payment_intent_id: o.type === 'refund' || o.type === 'capture' ? o.parent_id ?? undefined : undefined,
        transfer_group: meta.transfer_group, order_id: meta.order, entity: meta.entity, ventil_key: meta.ventil_key,
      });
    }
    return rows;
  }

  async find(type: PspObjectType, hint: { key: string }): Promise<PspObject | null> {
    const req = sandboxRequest(this.db, hint.key);
    if (!req) return null;
    const obj = JSON.parse(req.response_json) as PspObject;
    return obj.type === type ? obj : null;
  }

  // ---- internals ----------------------------------------------------------------------------

  private invalid(message: string, code = 'invalid_request'): PspError {
    return new PspError({ disposition: 'permanent', code, message, httpStatus: 400 });
  }

  /** Refuses capturing or refunding more than a known payment took. Unknown payments pass. */
  private checkPayment(paymentId: string, amount: number, what: 'capture' | 'refund') {
    const paid = paymentAmount(this.db, paymentId);
    if (paid === undefined) return;
    const done = sandboxTotalAgainst(this.db, what, paymentId);
    if (done + amount > paid) throw this.invalid(`cannot ${what} ${amount} on ${paymentId}: ${paid - done} left`, 'amount_too_large');
  }

  /**
   * Applies a call once per idempotency key, atomically with its idempotency record, so a crash
   * leaves either both or neither.
   */
  private apply(type: PspObjectType, key: string, params: Record<string, unknown>, tags: CallTags,
    effect: () => { destination: string | null; parent: string | null; status: string; currency?: string },
    amount: number, currency: string, extraMeta: Record<string, string> = {}): PspObject {
    const paramsHash = sha(canonicalJson({ type, params }));
    return this.db.transaction(() => {
      const seen = sandboxRequest(this.db, key);
      if (seen) {
        if (seen.params_hash !== paramsHash) {
          throw new PspError({ disposition: 'permanent', code: 'idempotency_mismatch', httpStatus: 400,
            message: `Keys for idempotent requests can only be used with the same parameters they were first used with (key ${key})` });
        }
        return JSON.parse(seen.response_json) as PspObject;
      }
      if (!Number.isSafeInteger(amount) || amount <= 0) throw this.invalid('amount must be a positive integer');
      const fx = effect();
      const id = `${PREFIX[type]}_sbx_${sha(key).slice(0, 20)}`;
      const created = this.now().toISOString();
      const metadata: Record<string, string> = { ventil_key: tags.ventilKey, entity: tags.entity, kind: tags.kind, ...extraMeta };
      if (tags.releaseRun) metadata.release_run = tags.releaseRun;
      if (tags.order) metadata.order = tags.order;
      if (tags.orders) metadata.orders = tags.orders.map((o) => `${o.order}:${o.amount}`).join(',');
      const obj: PspObject = {
        type, id, amount, currency: fx.currency ?? currency, status: fx.status, destination: fx.destination, parentId: fx.parent,
        amountReversed: type === 'transfer' ? 0 : undefined, fee: 0, created, metadata,
      };
      insertSandboxCall(this.db,
        { id, type, amount, currency: obj.currency, destination: fx.destination, parent_id: fx.parent, status: fx.status, metadata_json: JSON.stringify(metadata), created_at: created },
        { idempotency_key: key, operation: type, params_hash: paramsHash, response_json: JSON.stringify(obj), created_at: created });
      return obj;
    }).immediate();
  }
}
