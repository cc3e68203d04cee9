// Stripe Connect with separate charges and transfers, on the official `stripe` SDK
// (docs/decisions/0005-outbox.md says why the SDK and not raw HTTP).
//
// - One `transfers.create` per entity and currency per release run, `transfer_group` naming the
//   run, metadata listing the orders it pays (within Stripe's limits: 50 keys, 40-character key
//   names, 500-character values; long lists are chunked, and past what fits, summarised by a
//   count, a total and a hash, the full list staying in Ventil under `ventil_key`).
// - `transfers.createReversal` for recoveries after returns; `refunds.create` once per payment
//   the refund falls on; `paymentIntents.capture`; `payouts.create` for the platform's share.
// - Every call carries the outbox key as its Idempotency-Key (the SDK's `idempotencyKey`), and the
//   SDK's own retries are off (`maxNetworkRetries: 0`): the outbox runner owns retries, backoff and
//   the attempt budget. The API base (host, port, protocol) is configurable, so tests point the
//   SDK at a local fake.
import Stripe from 'stripe';
import { createHash } from 'node:crypto';
import { formatMinor } from '../domain/money.js';
import { asMeta, fromPayout, fromRefund, fromReversal, fromTransfer, iso } from './stripe-map.js';
import {
  OFFLINE_CODES, PspError, retryAfterMs, type CallOptions, type CallTags, type CaptureRequest, type PayoutRequest, type PspAdapter,
  type PspBalance, type PspObject, type PspObjectType, type RefundRequest, type ReversalRequest, type SettlementRow, type TransferRequest,
} from './psp.js';

export interface StripeConfig {
  /** sk_live_... / sk_test_... / rk_...: from the environment or the OS keychain, never the database. */
  secretKey: string;
  /** API base, e.g. `https://api.stripe.com` (default) or `http://127.0.0.1:4010` for a fake. */
  apiBase?: string;
  /** Per-call timeout (default 30 s); the runner treats a timeout as "maybe applied" and retries with the same key. */
  timeoutMs?: number;
  /** Pin an API version; default: the SDK's. */
  apiVersion?: string;
}

const DAY = 24 * 60 * 60 * 1000;
export const METADATA_MAX_KEYS = 50;
export const METADATA_MAX_VALUE = 500;
export const METADATA_MAX_KEY = 40;

export class StripePsp implements PspAdapter {
  readonly name = 'stripe';
  /** Stripe keeps idempotency keys at least 24 hours; look a call up before resending after ~23 h. */
  readonly idempotencyWindowMs = 23 * 60 * 60 * 1000;
  readonly client: Stripe;
  private readonly timeoutMs: number;

  constructor(config: StripeConfig) {
    if (!config.secretKey) throw new Error('a Stripe secret key is required (VENTIL_STRIPE_SECRET_KEY)');
    this.timeoutMs = config.timeoutMs ?? 30_000;
    const base = config.apiBase ? new URL(config.apiBase) : null;
    if (base && base.protocol !== 'https:' && base.protocol !== 'http:') throw new Error(`unsupported Stripe API base ${config.apiBase}`);
    this.client = new Stripe(config.secretKey, {
      ...(config.apiVersion ? { apiVersion: config.apiVersion as Stripe.LatestApiVersion } : {}),
      maxNetworkRetries: 0,
      timeout: this.timeoutMs,
      telemetry: false,
      appInfo: { name: 'Ventil' },
      ...(base ? {
        host: base.hostname,
        port: base.port || (base.protocol === 'https:' ? 443 : 80),
        protocol: base.protocol === 'https:' ? 'https' : 'http',
      } : {}),
    });
  }

  private opts(o: CallOptions): Stripe.RequestOptions {
    return { idempotencyKey: o.idempotencyKey, timeout: o.timeoutMs ?? this.timeoutMs };
  }

  async capture(req: CaptureRequest, o: CallOptions): Promise<PspObject> {
    const pi = await call(() => this.client.paymentIntents.capture(req.paymentId, {
      amount_to_capture: req.amount, metadata: stripeMetadata(req.tags),
    }, this.opts(o)));
    return {
      type: 'capture', id: pi.id, amount: pi.amount_received, currency: pi.currency.toUpperCase(), status: pi.status,
      parentId: pi.id, created: iso(pi.created), metadata: asMeta(pi.metadata),
    };
  }

  async transfer(req: TransferRequest, o: CallOptions): Promise<PspObject> {
    const tr = await call(() => this.client.transfers.create({
      amount: req.amount, currency: req.currency.toLowerCase(), destination: req.destination, transfer_group: req.transferGroup,
      ...(req.description ? { description: req.description } : {}), metadata: stripeMetadata(req.tags),
    }, this.opts(o)));
    return fromTransfer(tr);
  }

  async reverseTransfer(req: ReversalRequest, o: CallOptions): Promise<PspObject> {
    const r = await call(() => this.client.transfers.createReversal(req.transferId, {
      amount: req.amount, ...(req.description ? { description: req.description } : {}), metadata: stripeMetadata(req.tags),
    }, this.opts(o)));
    return fromReversal(r);
  }

  async refund(req: RefundRequest, o: CallOptions): Promise<PspObject> {
    const target = req.paymentId.startsWith('ch_') || req.paymentId.startsWith('py_') ? { charge: req.paymentId } : { payment_intent: req.paymentId };
    const r = await call(() => this.client.refunds.create({
      ...target, amount: req.amount, ...(req.reason ? { reason: req.reason as Stripe.RefundCreateParams.Reason } : {}), metadata: stripeMetadata(req.tags),
    }, this.opts(o)));
    return fromRefund(r, req.paymentId);
  }

  async payout(req: PayoutRequest, o: CallOptions): Promise<PspObject> {
    const p = await call(() => this.client.payouts.create({
      amount: req.amount, currency: req.currency.toLowerCase(), ...(req.description ? { description: req.description } : {}), metadata: stripeMetadata(req.tags),
    }, this.opts(o)));
    return fromPayout(p);
  }

  async balances(o: { timeoutMs?: number } = {}): Promise<PspBalance[]> {
    const b = await call(() => this.client.balance.retrieve({}, { timeout: o.timeoutMs ?? this.timeoutMs }));
    const out = new Map<string, PspBalance>();
    for (const a of b.available) out.set(a.currency, { account: null, currency: a.currency.toUpperCase(), available: a.amount, pending: 0 });
    for (const p of b.pending) {
      const x = out.get(p.currency) ?? { account: null, currency: p.currency.toUpperCase(), available: 0, pending: 0 };
      x.pending += p.amount;
      out.set(p.currency, x);
    }
    return [...out.values()];
  }

  /** The platform's balance transactions in [from, to), as settlement report rows (docs/sync.md). */
  async settlementReport(range: { from: string; to: string }): Promise<SettlementRow[]> {
    const rows: SettlementRow[] = [];
    const list = this.client.balanceTransactions.list({
      created: { gte: Math.floor(Date.parse(range.from) / 1000), lt: Math.floor(Date.parse(range.to) / 1000) },
      limit: 100, expand: ['data.source'],
    });
    await call(() => list.autoPagingEach((bt) => {
      const cur = bt.currency.toUpperCase();
      const src = (typeof bt.source === 'object' && bt.source !== null ? bt.source : null) as Record<string, unknown> | null;
      const meta = (src?.metadata ?? {}) as Record<string, string>;
      rows.push({
        balance_transaction_id: bt.id, created_utc: iso(bt.created) ?? '', reporting_category: bt.reporting_category,
        source_id: typeof bt.source === 'string' ? bt.source : String(src?.id ?? ''), currency: bt.currency,
        gross: formatMinor(bt.amount, cur), fee: formatMinor(bt.fee, cur), net: formatMinor(bt.net, cur),
        connected_account: typeof src?.destination === 'string' ? src.destination : undefined,
        transfer_id: typeof src?.transfer === 'string' ? src.transfer : undefined,
        payment_intent_id: typeof src?.payment_intent === 'string' ? src.payment_intent : undefined,
        transfer_group: typeof src?.transfer_group === 'string' ? src.transfer_group : undefined,
        order_id: meta.ventil_order, entity: meta.ventil_entity, ventil_key: meta.ventil_key,
      });
    }));
    return rows;
  }

  /** Looks for the object a call with this key created, through the list endpoints and metadata. */
  async find(type: PspObjectType, hint: { key: string; transferGroup?: string; transferId?: string; paymentId?: string }): Promise<PspObject | null> {
    const match = (m: Stripe.Metadata | null | undefined) => m?.ventil_key === hint.key;
    let found: PspObject | null = null;
    if (type === 'transfer' && hint.transferGroup) {
      await call(() => this.client.transfers.list({ transfer_group: hint.transferGroup, limit: 100 }).autoPagingEach((t) => {
        if (match(t.metadata)) { found = fromTransfer(t); return false; }
        return undefined;
      }));
    } else if (type === 'transfer_reversal' && hint.transferId) {
      await call(() => this.client.transfers.listReversals(hint.transferId!, { limit: 100 }).autoPagingEach((r) => {
        if (match(r.metadata)) { found = fromReversal(r); return false; }
        return undefined;
      }));
    } else if (type === 'refund' && hint.paymentId) {
      const by = hint.paymentId.startsWith('ch_') ? { charge: hint.paymentId } : { payment_intent: hint.paymentId };
      await call(() => this.client.refunds.list({ ...by, limit: 100 }).autoPagingEach((r) => {
        if (match(r.metadata)) { found = fromRefund(r, hint.paymentId!); return false; }
        return undefined;
      }));
    } else if (type === 'payout') {
      await call(() => this.client.payouts.list({ limit: 100, created: { gte: Math.floor((Date.now() - 7 * DAY) / 1000) } }).autoPagingEach((p) => {
        if (match(p.metadata)) { found = fromPayout(p); return false; }
        return undefined;
      }));
    } else if (type === 'capture' && hint.paymentId) {
      const pi = await call(() => this.client.paymentIntents.retrieve(hint.paymentId!));
      if (pi.status === 'succeeded' && pi.amount_received > 0) {
        found = { type: 'capture', id: pi.id, amount: pi.amount_received, currency: pi.currency.toUpperCase(), status: pi.status, parentId: pi.id, created: iso(pi.created) };
      }
    }
    return found;
  }

  /** Verifies a webhook's Stripe-Signature header and returns the event (throws when forged). */
  verifyWebhook(payload: string | Buffer, signature: string, secret: string, toleranceSec = 300): Stripe.Event {
    return this.client.webhooks.constructEvent(payload, signature, secret, toleranceSec);
  }
}

/** Stripe's webhook signature check without a configured client (no API key needed for it). */
export function verifyStripeWebhook(payload: string | Buffer, signature: string, secret: string, toleranceSec = 300): Stripe.Event {
  return Stripe.webhooks.constructEvent(payload, signature, secret, toleranceSec);
}

// ---- Metadata -----------------------------------------------------------------------------

/**
 * Ventil's tags as Stripe metadata, within Stripe's limits. Fixed keys first; the order list is
 * written as `order:amount` pairs joined by commas, chunked into `ventil_orders_1`, `_2`, ... of
 * at most 500 characters; when the chunks would exceed the 50-key limit, the list is summarised
 * (`ventil_orders_truncated`, with the count, the total and a sha256 of the whole list), and the
 * full list stays in Ventil, found by `ventil_key`.
 */
export function stripeMetadata(tags: CallTags): Record<string, string> {
  const meta: Record<string, string> = {
    ventil_key: tags.ventilKey.slice(0, METADATA_MAX_VALUE),
    ventil_entity: tags.entity.slice(0, METADATA_MAX_VALUE),
    ventil_kind: tags.kind,
  };
  if (tags.releaseRun) meta.ventil_release_run = tags.releaseRun.slice(0, METADATA_MAX_VALUE);
  if (tags.order) meta.ventil_order = tags.order.slice(0, METADATA_MAX_VALUE);
  if (tags.orders && tags.orders.length > 0) {
    const pairs = tags.orders.map((o) => `${o.order}:${o.amount}`);
    meta.ventil_orders_count = String(pairs.length);
    meta.ventil_orders_total = String(tags.orders.reduce((s, o) => s + o.amount, 0));
    const chunks: string[] = [];
    let current = '';
    for (const p of pairs) {
      const piece = p.length > METADATA_MAX_VALUE ? `${p.slice(0, METADATA_MAX_VALUE - 1)}…` : p;
      if (current && current.length + 1 + piece.length > METADATA_MAX_VALUE) { chunks.push(current); current = piece; }
      else current = current ? `${current},${piece}` : piece;
    }
    if (current) chunks.push(current);
    const room = METADATA_MAX_KEYS - Object.keys(meta).length;
    if (chunks.length <= room) {
      chunks.forEach((c, i) => { meta[`ventil_orders_${i + 1}`] = c; });
    } else {
      meta.ventil_orders_truncated = 'true';
      meta.ventil_orders_sha256 = createHash('sha256').update(pairs.join(',')).digest('hex');
      const keep = METADATA_MAX_KEYS - Object.keys(meta).length;
      chunks.slice(0, keep).forEach((c, i) => { meta[`ventil_orders_${i + 1}`] = c; });
    }
  }
  return meta;
}

// ---- Mapping (core/adapters/stripe-map.ts, kept free of the SDK for webhook handling) ----

export { fromPayout, fromRefund, fromReversal, fromTransfer };

// ---- Errors -------------------------------------------------------------------------------

/** Runs an SDK call and turns its failure into a PspError with a disposition. */
async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw classifyStripeError(e);
  }
}

/**
 * Turns an SDK failure into a PspError with a disposition, then lets Stripe's own
 * `Stripe-Should-Retry` header overrule it: `true` makes the call retryable, `false` permanent
 * (retrying the same request cannot help) except for insufficient funds, which the runner tries
 * again later under a fresh key.
 */
export function classifyStripeError(e: unknown): PspError {
  if (e instanceof PspError) return e;
  const base = classify(e);
  const header = (e as { headers?: Record<string, string> })?.headers?.['stripe-should-retry'];
  if (header === 'true' && base.disposition === 'permanent') {
    return new PspError({ disposition: 'retryable', code: base.code, httpStatus: base.httpStatus, ambiguous: base.ambiguous, message: `${base.message} (Stripe says to retry)`, cause: e });
  }
  if (header === 'false' && base.disposition === 'retryable' && base.code !== 'balance_insufficient') {
    return new PspError({ disposition: 'permanent', code: base.code, httpStatus: base.httpStatus, ambiguous: base.ambiguous, message: `${base.message} (Stripe says retrying will not help)`, cause: e });
  }
  return base;
}

function classify(e: unknown): PspError {
  const err = e as Stripe.errors.StripeError & { detail?: { code?: string; message?: string } };
  const status = typeof err?.statusCode === 'number' ? err.statusCode : null;
  const message = err?.message ?? String(e);
  // With separate charges and transfers the platform's balance is often not yet available:
  // the call was refused, not applied, and will pass once funds arrive (the runner waits
  // RetryPolicy.fundsRetryMs, spending no attempt).
  if (err?.code === 'balance_insufficient') {
    return new PspError({ disposition: 'retryable', code: 'balance_insufficient', httpStatus: status, message, cause: e });
  }
  switch (err?.type) {
    case 'StripeConnectionError': {
      const code = err.detail?.code ?? '';
      if (OFFLINE_CODES.has(code)) return new PspError({ disposition: 'offline', code: 'offline', message: `cannot reach Stripe (${code})`, cause: e });
      if (code === 'ETIMEDOUT') return new PspError({ disposition: 'retryable', code: 'timeout', ambiguous: true, message, cause: e });
      return new PspError({ disposition: 'retryable', code: 'connection', ambiguous: true, message: `${message} (${code || 'connection lost'})`, cause: e });
    }
    case 'StripeRateLimitError':
      return new PspError({ disposition: 'retryable', code: 'rate_limited', httpStatus: status ?? 429, message, retryAfterMs: retryAfterMs(err.headers?.['retry-after']), cause: e });
    case 'StripeAuthenticationError':
    case 'StripePermissionError':
      return new PspError({ disposition: 'blocked', code: status === 401 ? 'unauthenticated' : 'forbidden', httpStatus: status, message, cause: e });
    case 'StripeIdempotencyError':
      return new PspError({ disposition: 'permanent', code: 'idempotency_mismatch', httpStatus: status, message, cause: e });
    case 'StripeInvalidRequestError':
    case 'StripeCardError':
      return new PspError({ disposition: 'permanent', code: err.code ?? 'invalid_request', httpStatus: status, message, cause: e });
    case 'StripeAPIError':
    default:
      if (status === 409) return new PspError({ disposition: 'retryable', code: 'conflict', httpStatus: 409, message, retryAfterMs: retryAfterMs(err.headers?.['retry-after']), cause: e });
      if (status !== null && status >= 500) return new PspError({ disposition: 'retryable', code: 'server_error', ambiguous: true, httpStatus: status, message, cause: e });
      if (status !== null && status >= 400) return new PspError({ disposition: 'permanent', code: err.code ?? 'invalid_request', httpStatus: status, message, cause: e });
      return new PspError({ disposition: 'permanent', code: 'adapter_error', message, cause: e });
  }
}
