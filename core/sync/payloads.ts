// What each kind of outbox call carries: one schema per kind, checked when the call is enqueued
// (inside the caller's transaction, so a malformed call fails the business change instead of
// dying later in the runner), and the helpers that derive idempotency keys from what a call pays.
// docs/sync.md lists the same shapes for the engineers who enqueue them.
import { z } from 'zod';
import { contentHash } from '../store/hash.js';

export const OUTBOX_KINDS = ['psp.capture', 'psp.transfer', 'psp.transfer_reversal', 'psp.refund', 'psp.payout', 'erp.push'] as const;
export type OutboxKind = (typeof OUTBOX_KINDS)[number];

const Id = z.string().min(1).max(128);
const Currency = z.string().regex(/^[A-Z]{3}$/, 'an upper-case ISO 4217 code such as EUR');
const PositiveAmount = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const SignedAmount = z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);
/** A connected account or payment id at the PSP (Stripe: acct_..., pi_..., ch_...). */
const PspRef = z.string().regex(/^[A-Za-z0-9_\-:.]{1,255}$/, 'a PSP identifier');

/** One order paid (or, when negative, a debt netted) by a transfer or reversal. */
export const OrderShare = z.strictObject({ order: Id, amount: SignedAmount });
export type OrderShare = z.output<typeof OrderShare>;

function sumsTo<T extends { amount: number; orders: { amount: number }[] }>(p: T, ctx: z.RefinementCtx) {
  const total = p.orders.reduce((s, o) => s + o.amount, 0);
  if (total !== p.amount) {
    ctx.addIssue({ code: 'custom', path: ['orders'], message: `the orders add up to ${total}, not to the amount ${p.amount}` });
  }
}

/** `psp.transfer`: pay an entity's connected account its released shares (docs/spec.md section 8). */
export const TransferPayload = z.strictObject({
  entity: Id,
  /** Connected account at the PSP; filled from `entities.psp_account` when omitted. */
  destination: PspRef.optional(),
  currency: Currency,
  amount: PositiveAmount,
  /** The release run that produced it; the PSP groups the run's transfers by it. */
  release_run: Id,
  orders: z.array(OrderShare).min(1),
  description: z.string().max(350).optional(),
}).superRefine(sumsTo);
export type TransferPayload = z.output<typeof TransferPayload>;

/** `psp.transfer_reversal`: take back (part of) a transfer, e.g. a return after release. */
export const TransferReversalPayload = z.strictObject({
  entity: Id,
  currency: Currency,
  amount: PositiveAmount,
  /** The outbox key of the transfer to reverse (the runner waits until it is sent)… */
  transfer_key: z.string().min(1).max(255).optional(),
  /** …or its PSP id when it was sent long ago. One of the two. */
  transfer_id: PspRef.optional(),
  reason: z.string().min(1).max(100).default('return_after_release'),
  orders: z.array(OrderShare).min(1),
}).superRefine(sumsTo).superRefine((p, ctx) => {
  if ((p.transfer_key === undefined) === (p.transfer_id === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['transfer_key'], message: 'give exactly one of transfer_key and transfer_id' });
  }
});
export type TransferReversalPayload = z.output<typeof TransferReversalPayload>;

export const RefundPart = z.strictObject({
  /** Ventil's payment id (payments.payment_id). */
  payment: Id,
  /** The payment at the PSP (Stripe pi_... or ch_...); defaults to `payment`. */
  psp_payment: PspRef,
  amount: PositiveAmount,
});

/** `psp.refund`: refund a customer, spread over the order's payments (docs/spec.md section 7). */
export const RefundPayload = z.strictObject({
  /** Whose escrow pays it: the platform entity (filled from the settings when omitted). */
  entity: Id,
  order: Id,
  currency: Currency,
  amount: PositiveAmount,
  /** How the amount falls on the payments; computed at enqueue when omitted. */
  payments: z.array(RefundPart).min(1),
  reason: z.enum(['requested_by_customer', 'duplicate', 'fraudulent']).default('requested_by_customer'),
  lines: z.array(z.strictObject({ line: Id, amount: PositiveAmount })).optional(),
}).superRefine((p, ctx) => {
  const total = p.payments.reduce((s, x) => s + x.amount, 0);
  if (total !== p.amount) ctx.addIssue({ code: 'custom', path: ['payments'], message: `the payments add up to ${total}, not to the amount ${p.amount}` });
});
export type RefundPayload = z.output<typeof RefundPayload>;

/** `psp.capture`: capture an authorised payment into the platform's escrow. */
export const CapturePayload = z.strictObject({
  entity: Id,
  order: Id,
  payment: Id,
  psp_payment: PspRef,
  currency: Currency,
  amount: PositiveAmount,
});
export type CapturePayload = z.output<typeof CapturePayload>;

/** `psp.payout`: withdraw the platform's own released share to its bank (docs/spec.md section 8). */
export const PayoutPayload = z.strictObject({
  entity: Id,
  currency: Currency,
  amount: PositiveAmount,
  release_run: Id,
  description: z.string().max(350).optional(),
});
export type PayoutPayload = z.output<typeof PayoutPayload>;

/** `erp.push`: an ERP connector's business; the outbox only needs the entity. */
export const ErpPushPayload = z.looseObject({ entity: Id });

export const PAYLOAD_SCHEMAS: Record<OutboxKind, z.ZodType> = {
  'psp.capture': CapturePayload,
  'psp.transfer': TransferPayload,
  'psp.transfer_reversal': TransferReversalPayload,
  'psp.refund': RefundPayload,
  'psp.payout': PayoutPayload,
  'erp.push': ErpPushPayload,
};

export const DEFAULT_TARGETS: Record<OutboxKind, string> = {
  'psp.capture': 'psp', 'psp.transfer': 'psp', 'psp.transfer_reversal': 'psp', 'psp.refund': 'psp', 'psp.payout': 'psp', 'erp.push': 'erp',
};

// ---- Idempotency keys ---------------------------------------------------------------------
// Derived from what the call pays, never random (docs/spec.md section 8): the same release run gives
// the same keys, so enqueueing it twice is a no-op and the PSP never applies a transfer twice.
// Readable when short (operators search for them in the PSP dashboard), hashed when long.

function key(prefix: string, parts: readonly string[]): string {
  const plain = `${prefix}:${parts.join(':')}`;
  if (plain.length <= 200 && /^[\x21-\x7e]+$/.test(plain)) return plain;
  return `${prefix}:h:${contentHash(parts).slice(0, 48)}`;
}

/** One transfer per entity and currency per release run. */
export const transferKey = (releaseRun: string, entity: string, currency: string) => key('ventil.tr', [releaseRun, entity, currency]);
/** A reversal, named by what causes it (e.g. the return event's id) and the entity. */
export const reversalKey = (cause: string, entity: string, currency: string) => key('ventil.trr', [cause, entity, currency]);
/** A refund, named by the order and what causes it (the cancellation or return event). */
export const refundKey = (order: string, cause: string) => key('ventil.re', [order, cause]);
export const captureKey = (order: string, payment: string) => key('ventil.cap', [order, payment]);
export const payoutKey = (releaseRun: string, entity: string, currency: string) => key('ventil.po', [releaseRun, entity, currency]);
