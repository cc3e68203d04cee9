// The Stripe adapter on the official SDK against the local fake Stripe: request shapes and
// metadata limits, idempotency, how each failure is classified, lookups, the settlement report,
// and webhooks delivered twice and out of order to the receiver (signatures checked).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../../core/adapters/registry.js';
import { classifyStripeError, StripePsp, stripeMetadata } from '../../core/adapters/stripe-psp.js';
import type { CallTags } from '../../core/adapters/psp.js';
import { enqueue } from '../../core/sync/outbox.js';
import { payoutKey, reversalKey, transferKey } from '../../core/sync/payloads.js';
import { applyPspEvents } from '../../core/sync/psp-events.js';
import { reconcile, settlementCsv } from '../../core/sync/reconcile.js';
import { OutboxRunner } from '../../core/sync/runner.js';
import { startWebhookReceiver } from '../../core/sync/webhook.js';
import { FakeStripe } from '../fakes/fake-stripe.js';
import { memoryDb } from '../helpers/db.js';

let fake: FakeStripe;
let psp: StripePsp;
beforeAll(async () => {
  fake = await FakeStripe.start({ seed: 3, lifetimeMs: 60_000, hangMs: 2_000, payments: { pi_paid: { amount: 5_000, currency: 'eur' } } });
  psp = new StripePsp({ secretKey: 'sk_test_adapter', apiBase: fake.url, timeoutMs: 1_000 });
});
afterAll(async () => { await fake.close(); });

const tags = (key: string, extra: Partial<CallTags> = {}): CallTags => ({ ventilKey: key, entity: 'LYON', kind: 'psp.transfer', releaseRun: 'R1', ...extra });
const transferReq = (amount: number, key: string, orders = [{ order: 'W-1', amount }]) => ({
  destination: 'acct_lyon', amount, currency: 'EUR', transferGroup: 'ventil-run-R1', tags: tags(key, { orders }),
});

describe('Stripe adapter', () => {
  it('keeps metadata within Stripe\'s limits: chunks the order list, summarises what does not fit', async () => {
    const few = Array.from({ length: 30 }, (_, i) => ({ order: `ORDER-${String(i).padStart(6, '0')}`, amount: 100 + i }));
    const meta = stripeMetadata(tags('k-few', { orders: few }));
    const listed = Object.entries(meta).filter(([k]) => k.startsWith('ventil_orders_') && /\d$/.test(k)).map(([, v]) => v).join(',');
    expect(listed.split(',')).toEqual(few.map((o) => `${o.order}:${o.amount}`));
    expect(meta.ventil_orders_count).toBe('30');

    const many = Array.from({ length: 5_000 }, (_, i) => ({ order: `WEB-2026-${String(i).padStart(8, '0')}`, amount: 1_000 }));
    const big = stripeMetadata(tags('k-many', { orders: many }));
    expect(Object.keys(big).length).toBeLessThanOrEqual(50);
    for (const [k, v] of Object.entries(big)) {
      expect(k.length).toBeLessThanOrEqual(40);
      expect(v.length).toBeLessThanOrEqual(500);
    }
    expect(big).toMatchObject({ ventil_orders_truncated: 'true', ventil_orders_count: '5000', ventil_orders_total: '5000000', ventil_orders_sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    // The fake enforces the limits like Stripe: the call goes through.
    const t = await psp.transfer(transferReq(5_000_000, 'k-many', many), { idempotencyKey: 'k-many' });
    expect(fake.transfers.get(t.id)!.metadata.ventil_key).toBe('k-many');
  });

  it('sends the idempotency key: same call again gives the same transfer; other parameters are refused', async () => {
    const a = await psp.transfer(transferReq(1234, 'k-idem'), { idempotencyKey: 'k-idem' });
    const b = await psp.transfer(transferReq(1234, 'k-idem'), { idempotencyKey: 'k-idem' });
    expect(b).toEqual(a);
    expect([...fake.transfers.values()].filter((t) => t.metadata.ventil_key === 'k-idem')).toHaveLength(1);
    await expect(psp.transfer(transferReq(1235, 'k-idem'), { idempotencyKey: 'k-idem' })).rejects.toMatchObject({ disposition: 'permanent', code: 'idempotency_mismatch', httpStatus: 400 });
    expect(a).toMatchObject({ type: 'transfer', amount: 1234, currency: 'EUR', destination: 'acct_lyon', status: 'paid' });
    expect(fake.transfers.get(a.id)).toMatchObject({ transfer_group: 'ventil-run-R1', currency: 'eur' });
  });

  it('classifies failures: 5xx and timeouts retryable (maybe applied), 429 with Retry-After, 4xx permanent, no route offline, bad key blocked', async () => {
    fake.scriptFaults('500');
    await expect(psp.transfer(transferReq(1, 'k-500'), { idempotencyKey: 'k-500' })).rejects.toMatchObject({ disposition: 'retryable', code: 'server_error', ambiguous: true });
    fake.scriptFaults('429');
    await expect(psp.transfer(transferReq(1, 'k-429'), { idempotencyKey: 'k-429' })).rejects.toMatchObject({ disposition: 'retryable', code: 'rate_limited', retryAfterMs: 1000 });
    fake.scriptFaults('hang_after');
    await expect(psp.transfer(transferReq(7, 'k-hang'), { idempotencyKey: 'k-hang', timeoutMs: 200 })).rejects.toMatchObject({ disposition: 'retryable', code: 'timeout', ambiguous: true });
    // It was applied before the hang: the retry with the same key gets that transfer back.
    const again = await psp.transfer(transferReq(7, 'k-hang'), { idempotencyKey: 'k-hang' });
    expect([...fake.transfers.values()].filter((t) => t.metadata.ventil_key === 'k-hang').map((t) => t.id)).toEqual([again.id]);
    fake.scriptFaults('reset_after', 'reset_before'); // the SDK retries a closed connection once by itself
    await expect(psp.transfer(transferReq(8, 'k-reset'), { idempotencyKey: 'k-reset' })).rejects.toMatchObject({ disposition: 'retryable', code: 'connection', ambiguous: true });
    expect([...fake.transfers.values()].filter((t) => t.metadata.ventil_key === 'k-reset')).toHaveLength(1);
    await expect(psp.transfer({ ...transferReq(1, 'k-dest'), destination: 'ba_1' }, { idempotencyKey: 'k-dest' })).rejects.toMatchObject({ disposition: 'permanent', code: 'resource_missing' });
    const offline = new StripePsp({ secretKey: 'sk_test_x', apiBase: 'http://127.0.0.1:9', timeoutMs: 1_000 });
    await expect(offline.transfer(transferReq(1, 'k-off'), { idempotencyKey: 'k-off' })).rejects.toMatchObject({ disposition: 'offline' });
    const badKey = new StripePsp({ secretKey: 'rk_wrong', apiBase: fake.url });
    await expect(badKey.transfer(transferReq(1, 'k-auth'), { idempotencyKey: 'k-auth' })).rejects.toMatchObject({ disposition: 'blocked', code: 'unauthenticated' });
    expect(classifyStripeError(new Error('boom'))).toMatchObject({ disposition: 'permanent', code: 'adapter_error' });
  });

  it('reverses, refunds, pays out, captures, reads balances, and finds calls by key', async () => {
    const t = await psp.transfer(transferReq(10_000, 'k-base'), { idempotencyKey: 'k-base' });
    const r = await psp.reverseTransfer({ transferId: t.id, amount: 2_500, currency: 'EUR', tags: tags('k-rev', { kind: 'psp.transfer_reversal' }) }, { idempotencyKey: 'k-rev' });
    expect(r).toMatchObject({ type: 'transfer_reversal', amount: 2_500, parentId: t.id });
    await expect(psp.reverseTransfer({ transferId: t.id, amount: 9_000, currency: 'EUR', tags: tags('k-rev2') }, { idempotencyKey: 'k-rev2' })).rejects.toMatchObject({ disposition: 'permanent' });
    const re = await psp.refund({ paymentId: 'pi_paid', amount: 4_000, currency: 'EUR', reason: 'requested_by_customer', tags: tags('k-re', { kind: 'psp.refund', order: 'W-1' }) }, { idempotencyKey: 'k-re' });
    expect(re).toMatchObject({ type: 'refund', amount: 4_000, status: 'succeeded', parentId: 'pi_paid' });
    await expect(psp.refund({ paymentId: 'pi_paid', amount: 1_001, currency: 'EUR', tags: tags('k-re2') }, { idempotencyKey: 'k-re2' })).rejects.toMatchObject({ code: 'amount_too_large' });
    const po = await psp.payout({ amount: 700, currency: 'EUR', tags: tags('k-po', { kind: 'psp.payout' }) }, { idempotencyKey: 'k-po' });
    expect(po).toMatchObject({ type: 'payout', amount: 700, status: 'pending' });
    const cap = await psp.capture({ paymentId: 'pi_paid', amount: 5_000, currency: 'EUR', tags: tags('k-cap', { kind: 'psp.capture' }) }, { idempotencyKey: 'k-cap' });
    expect(cap).toMatchObject({ type: 'capture', amount: 5_000, status: 'succeeded' });
    expect((await psp.balances())[0]).toMatchObject({ currency: 'EUR', available: expect.any(Number) });
    expect(await psp.find('transfer', { key: 'k-base', transferGroup: 'ventil-run-R1' })).toMatchObject({ id: t.id });
    expect(await psp.find('transfer', { key: 'k-none', transferGroup: 'ventil-run-R1' })).toBeNull();
    expect(await psp.find('transfer_reversal', { key: 'k-rev', transferId: t.id })).toMatchObject({ id: r.id });
    expect(await psp.find('refund', { key: 'k-re', paymentId: 'pi_paid' })).toMatchObject({ id: re.id });
    expect(await psp.find('payout', { key: 'k-po' })).toMatchObject({ id: po.id });
  });
});

describe('Stripe end to end: runner, webhooks out of order, reconciliation', () => {
  it('sends through the runner, applies duplicated and shuffled webhooks to the same state, and reconciles the report', async () => {
    const f = await FakeStripe.start({ seed: 11, lifetimeMs: 60_000 });
    const stripe = new StripePsp({ secretKey: 'sk_test_e2e', apiBase: f.url, timeoutMs: 1_000 });
    const db = memoryDb();
    const keys = { lyon: transferKey('R9', 'LYON', 'EUR'), vill: transferKey('R9', 'VILL', 'EUR'), rev: reversalKey('ret-9', 'LYON', 'EUR'), po: payoutKey('R9', 'HQ', 'EUR') };
    db.transaction(() => {
      enqueue(db, { kind: 'psp.transfer', idempotencyKey: keys.lyon, payload: { entity: 'LYON', destination: 'acct_lyon', currency: 'EUR', amount: 4_000, release_run: 'R9', orders: [{ order: 'W-1', amount: 4_000 }] } });
      enqueue(db, { kind: 'psp.transfer', idempotencyKey: keys.vill, payload: { entity: 'VILL', destination: 'acct_vill', currency: 'EUR', amount: 3_000, release_run: 'R9', orders: [{ order: 'W-2', amount: 3_500 }, { order: 'W-0', amount: -500 }] } });
      enqueue(db, { kind: 'psp.transfer_reversal', idempotencyKey: keys.rev, payload: { entity: 'LYON', currency: 'EUR', amount: 1_000, transfer_key: keys.lyon, orders: [{ order: 'W-1', amount: 1_000 }] } });
      enqueue(db, { kind: 'psp.payout', idempotencyKey: keys.po, payload: { entity: 'HQ', currency: 'EUR', amount: 900, release_run: 'R9' } });
    })();
    const runner = new OutboxRunner({ db, registry: createRegistry(stripe) });
    expect(await runner.drain()).toMatchObject({ sent: 4, dead: 0 });
    runner.release();
    const snapshot = () => db.prepare('SELECT psp_id, type, amount, amount_reversed, status, entity FROM psp_objects ORDER BY psp_id').all();
    expect(snapshot()).toEqual([
      expect.objectContaining({ type: 'payout', amount: 900, status: 'pending', entity: 'HQ' }),
      expect.objectContaining({ type: 'transfer', amount: 4_000, amount_reversed: 0, status: 'paid', entity: 'LYON' }),
      expect.objectContaining({ type: 'transfer', amount: 3_000, status: 'paid', entity: 'VILL' }),
      expect.objectContaining({ type: 'transfer_reversal', amount: 1_000, status: 'succeeded', entity: 'LYON' }),
    ]);

    // The bank returns the payout after it was paid: a failure after a success.
    const po = [...f.payouts.values()][0];
    po.status = 'paid';
    f.emit('payout.paid', po);
    f.failPayout(po.id);

    // Webhooks: every event, a third of them twice, shuffled, signed; plus one forged delivery.
    const secret = 'whsec_e2e';
    const receiver = await startWebhookReceiver({ db, secret });
    try {
      const statuses = await f.deliverWebhooks(receiver.url, { secret, duplicateRate: 0.34, shuffle: true });
      expect(statuses.every((s) => s === 200)).toBe(true);
      expect(statuses.length).toBeGreaterThan(f.events.length);
      const forged = await f.deliverWebhooks(receiver.url, { secret: 'whsec_wrong', events: [f.events[0]], shuffle: false });
      expect(forged).toEqual([400]);
    } finally {
      await receiver.close();
    }
    const afterWebhooks = snapshot();
    expect(afterWebhooks).toEqual([
      expect.objectContaining({ type: 'payout', status: 'failed', entity: 'HQ' }),
      expect.objectContaining({ type: 'transfer', amount: 4_000, amount_reversed: 1_000, status: 'paid', entity: 'LYON' }),
      expect.objectContaining({ type: 'transfer', amount: 3_000, status: 'paid', entity: 'VILL' }),
      expect.objectContaining({ type: 'transfer_reversal', amount: 1_000, status: 'succeeded', entity: 'LYON' }),
    ]);
    expect(db.prepare('SELECT COUNT(*) FROM psp_events').pluck().get()).toBe(f.events.length);
    // Applying the same events again, in order, changes nothing.
    db.transaction(() => applyPspEvents(db, f.events, { psp: 'stripe', source: 'file', now: new Date() }))();
    expect(snapshot()).toEqual(afterWebhooks);

    // The PSP's own report (its balance transactions) reconciles with what Ventil sent.
    const range = { from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 3_600_000).toISOString() };
    const csv = settlementCsv(await stripe.settlementReport(range));
    const result = db.transaction(() => reconcile(db, { csv, source: 'stripe', psp: 'stripe', now: new Date(), ...range }))();
    expect(result.by_status).toEqual({ matched: 3, failed_at_psp: 1 });
    expect(result.items.find((i) => i.status === 'failed_at_psp')).toMatchObject({ category: 'payout', entity: 'HQ' });
    await f.close();
  });
});
