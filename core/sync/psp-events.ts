// Incoming PSP events: webhooks, event files (`ventil psp-events FILE`), settlement report rows.
// They may arrive twice, late, or out of order. Each is stored once (unique by PSP and event id)
// and applied to psp_objects through the monotonic merge of ./psp-state.ts, so the end state is
// the same whatever the order and however many copies arrive. A failure after a success (a payout
// returned, a refund failed after it succeeded, a transfer marked failed) is the one transition
// that goes "down" the ladder, and it always wins (docs/sync.md).
import { z } from 'zod';
import type { Db } from '../store/db.js';
import { getPspObject, pspEventSeen, recordPspEvent } from '../store/psp-repo.js';
import type { PspObject } from '../adapters/psp.js';
import { createRequire } from 'node:module';
import type StripeSdk from 'stripe';
import { fromPayout, fromRefund, fromReversal, fromTransfer } from '../adapters/stripe-map.js';
import { OutboxError } from './outbox.js';
import { confirmOutboxFromPsp, mergePspObject } from './psp-state.js';

const StripeEventShape = z.object({
  id: z.string().min(1).max(255),
  type: z.string().min(1).max(100),
  created: z.number().int().nonnegative().optional(),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
});
type StripeEventShape = z.output<typeof StripeEventShape>;

export type EventSource = 'webhook' | 'file' | 'poll' | 'report';

export interface ApplyEventsReport {
  received: number;
  applied: number;
  duplicates: number;
  stale: number;
  ignored: number;
  unmatched: number;
  /** Outbox rows confirmed as sent by an event (their acknowledgement had been lost). */
  confirmed: number;
  /** Objects whose status moved to a failure after a success. */
  failures: { psp_id: string; type: string; status: string; entity: string | null }[];
  invalid: { index: number; message: string }[];
}

/** Accepts a JSON array of events, `{ events: [...] }` (ventil.psp-events/1) or a Stripe list `{ data: [...] }`. */
export function eventsOf(json: unknown): unknown[] {
  if (Array.isArray(json)) return json;
  if (json && typeof json === 'object') {
    const o = json as { events?: unknown; data?: unknown; object?: unknown; id?: unknown };
    if (Array.isArray(o.events)) return o.events;
    if (Array.isArray(o.data)) return o.data;
    if (o.object === 'event') return [json];
  }
  throw new OutboxError('invalid_events', 'expected a list of PSP events, { "events": [...] } or a Stripe list { "data": [...] }');
}

/** What a Stripe event says about a PSP object, normalised (null: nothing Ventil tracks). */
export function objectsOfStripeEvent(e: StripeEventShape): PspObject[] {
  const o = e.data.object as Record<string, any>;
  const failed = /\.(failed|returned)$/.test(e.type);
  switch (o.object) {
    case 'transfer': {
      const t = fromTransfer(o as any);
      return [failed ? { ...t, status: 'failed' } : t];
    }
    case 'transfer_reversal':
      return [fromReversal(o as any)];
    case 'refund': {
      const r = fromRefund(o as any);
      return [failed && r.status !== 'canceled' ? { ...r, status: 'failed' } : r];
    }
    case 'charge': {
      // charge.refunded / charge.refund.updated carry the charge; its refunds are listed inside.
      const list = (o.refunds?.data ?? []) as Record<string, any>[];
      return list.map((r) => fromRefund(r as any, o.payment_intent ?? o.id));
    }
    case 'payout': {
      const p = fromPayout(o as any);
      return [failed ? { ...p, status: 'failed' } : p];
    }
    case 'payment_intent':
      if (o.status === 'succeeded' && (o.amount_received ?? 0) > 0) {
        return [{ type: 'capture', id: o.id, amount: o.amount_received, currency: String(o.currency).toUpperCase(), status: 'succeeded', parentId: o.id, metadata: { ...(o.metadata ?? {}) } }];
      }
      return [];
    default:
      return [];
  }
}

/**
 * Stores and applies a batch of events. Call inside a transaction (the API does); each event is
 * one row in psp_events whatever happens, so a replayed batch changes nothing.
 */
export function applyPspEvents(db: Db, events: readonly unknown[], opts: { psp: string; source: EventSource; now: Date }): ApplyEventsReport {
  const report: ApplyEventsReport = { received: events.length, applied: 0, duplicates: 0, stale: 0, ignored: 0, unmatched: 0, confirmed: 0, failures: [], invalid: [] };
  const at = opts.now.toISOString();
  events.forEach((raw, index) => {
    const parsed = StripeEventShape.safeParse(raw);
    if (!parsed.success) {
      report.invalid.push({ index, message: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') });
      return;
    }
    const e = parsed.data;
    const objectId = typeof e.data.object.id === 'string' ? e.data.object.id : null;
    if (pspEventSeen(db, opts.psp, e.id)) { report.duplicates++; return; }
    const { applied, note } = applyOne(db, opts.psp, e, opts.source, opts.now, report);
    recordPspEvent(db, {
      psp: opts.psp, event_id: e.id, type: e.type, object_id: objectId, psp_created: e.created !== undefined ? new Date(e.created * 1000).toISOString() : null,
      source: opts.source, payload_json: JSON.stringify(raw), received_at: at, applied, note,
    });
    report[applied === 'applied' ? 'applied' : applied]++;
  });
  return report;
}

function applyOne(db: Db, psp: string, e: StripeEventShape, source: EventSource, now: Date, report: ApplyEventsReport):
  { applied: 'applied' | 'stale' | 'ignored' | 'unmatched'; note: string | null } {
  const objects = objectsOfStripeEvent(e);
  if (objects.length === 0) return { applied: 'ignored', note: `${e.type} is not tracked` };
  let result: 'applied' | 'stale' | 'unmatched' = 'unmatched';
  const notes: string[] = [];
  for (const obj of objects) {
    const known = getPspObject(db, psp, obj.id);
    if (!known && !obj.metadata?.ventil_key) { notes.push(`${obj.id} was not made by Ventil`); continue; }
    const merged = mergePspObject(db, psp, obj, { source: source === 'poll' ? 'webhook' : source, now, failureCode: failureCodeOf(e) });
    if (merged === 'stale') { if (result === 'unmatched') result = 'stale'; notes.push(`${obj.id}: older news than what is known`); }
    else {
      result = 'applied';
      if (merged === 'unchanged') notes.push(`${obj.id}: already known`);
    }
    const row = getPspObject(db, psp, obj.id);
    if (merged === 'advanced' && row && row.status_rank >= 90) report.failures.push({ psp_id: obj.id, type: row.type, status: row.status, entity: row.entity });
    if (confirmOutboxFromPsp(db, psp, obj, `event ${e.id}`, now)) report.confirmed++;
  }
  return { applied: result, note: notes.length ? notes.join('; ') : null };
}

function failureCodeOf(e: StripeEventShape): string | null {
  const o = e.data.object as Record<string, unknown>;
  return typeof o.failure_code === 'string' ? o.failure_code : typeof o.failure_reason === 'string' ? o.failure_reason : null;
}

/**
 * The Stripe SDK, loaded on the first signed webhook only (it adds ~300 ms to a process start, and
 * the API module that imports this file is loaded by every command). Synchronous, like the API.
 */
let sdk: typeof StripeSdk | null = null;
function stripeSdk(): typeof StripeSdk {
  sdk ??= createRequire(import.meta.url)('stripe') as typeof StripeSdk;
  return sdk;
}

/**
 * A webhook delivery: verifies the Stripe-Signature header with the configured signing secret
 * (the SDK's `webhooks.constructEvent`), then applies the event. Throws `OutboxError
 * ('invalid_signature')` for a forged or stale delivery, and refuses unsigned deliveries when no
 * secret is configured (a webhook endpoint must not trust anyone who can reach it).
 */
export function applyWebhook(db: Db, input: { payload: string | Buffer; signature: string | undefined; secret: string | null | undefined; now: Date; toleranceSec?: number }): ApplyEventsReport {
  if (!input.secret) throw new OutboxError('webhook_secret_missing', 'no webhook signing secret is configured (VENTIL_STRIPE_WEBHOOK_SECRET); refusing an unverifiable webhook');
  if (!input.signature) throw new OutboxError('invalid_signature', 'the webhook has no Stripe-Signature header');
  let event: unknown;
  try {
    event = stripeSdk().webhooks.constructEvent(input.payload, input.signature, input.secret, input.toleranceSec ?? 300);
  } catch (e) {
    throw new OutboxError('invalid_signature', `the webhook signature does not verify: ${(e as Error).message}`);
  }
  return db.transaction(() => applyPspEvents(db, [event], { psp: 'stripe', source: 'webhook', now: input.now })).immediate();
}
