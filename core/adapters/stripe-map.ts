// Stripe objects as Ventil's PspObject. Types only from the SDK: webhook and event-file handling
// (core/sync/psp-events.ts) maps Stripe objects without loading the SDK itself.
import type Stripe from 'stripe';
import type { PspObject } from './psp.js';

export const iso = (sec: number | null | undefined) => (typeof sec === 'number' ? new Date(sec * 1000).toISOString() : null);
export const asMeta = (m: Stripe.Metadata | null | undefined): Record<string, string> => ({ ...(m ?? {}) });
const idOf = (x: string | { id: string } | null | undefined) => (x == null ? null : typeof x === 'string' ? x : x.id);

export function fromTransfer(t: Stripe.Transfer): PspObject {
  return {
    type: 'transfer', id: t.id, amount: t.amount, currency: t.currency.toUpperCase(),
    status: t.reversed || (t.amount > 0 && t.amount_reversed >= t.amount) ? 'reversed' : 'paid',
    destination: idOf(t.destination as string | { id: string } | null), amountReversed: t.amount_reversed ?? 0,
    created: iso(t.created), metadata: asMeta(t.metadata),
  };
}

export function fromReversal(r: Stripe.TransferReversal): PspObject {
  return {
    type: 'transfer_reversal', id: r.id, amount: r.amount, currency: r.currency.toUpperCase(), status: 'succeeded',
    parentId: idOf(r.transfer as string | { id: string }), created: iso(r.created), metadata: asMeta(r.metadata),
  };
}

export function fromRefund(r: Stripe.Refund, paymentId: string | null = null): PspObject {
  return {
    type: 'refund', id: r.id, amount: r.amount, currency: r.currency.toUpperCase(), status: r.status ?? 'pending',
    parentId: idOf(r.payment_intent as string | { id: string } | null) ?? idOf(r.charge as string | { id: string } | null) ?? paymentId,
    created: iso(r.created), metadata: asMeta(r.metadata),
  };
}

export function fromPayout(p: Stripe.Payout): PspObject {
  return { type: 'payout', id: p.id, amount: p.amount, currency: p.currency.toUpperCase(), status: p.status, created: iso(p.created), metadata: asMeta(p.metadata) };
}
