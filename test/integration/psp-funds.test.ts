// A failing PSP (issue 16, item 8): with separate charges and transfers the platform's balance
// is often not yet available, and Stripe refuses a transfer `balance_insufficient`. That used to
// dead-letter the transfer at once. Now it waits for funds, without spending its attempts, and
// is sent once they arrive, exactly once, under a fresh idempotency key (Stripe keeps the refusal
// under the first). Stripe's `Stripe-Should-Retry` header overrules the usual classification.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../../core/adapters/registry.js';
import { StripePsp } from '../../core/adapters/stripe-psp.js';
import { enqueue, getOutboxRow } from '../../core/sync/outbox.js';
import { payoutKey, transferKey } from '../../core/sync/payloads.js';
import { OutboxRunner } from '../../core/sync/runner.js';
import { FakeStripe } from '../fakes/fake-stripe.js';
import { FROZEN_NOW, memoryDb } from '../helpers/db.js';

let fake: FakeStripe;
let psp: StripePsp;
beforeAll(async () => {
  fake = await FakeStripe.start({ seed: 5, lifetimeMs: 60_000, balance: { eur: 1_000 } });
  psp = new StripePsp({ secretKey: 'sk_test_funds', apiBase: fake.url, timeoutMs: 2_000 });
});
afterAll(async () => { await fake.close(); });

const req = (amount: number, key: string) => ({
  destination: 'acct_lyon', amount, currency: 'EUR', transferGroup: 'ventil-run-F1',
  tags: { ventilKey: key, entity: 'LYON', kind: 'psp.transfer', releaseRun: 'F1', orders: [{ order: 'W-1', amount }] },
});

describe('item 8: refusals the PSP expects to pass later', () => {
  it('classifies balance_insufficient as retryable, not applied, after a delay', async () => {
    await expect(psp.transfer(req(5_000, 'k-funds'), { idempotencyKey: 'k-funds' }))
      .rejects.toMatchObject({ disposition: 'retryable', code: 'balance_insufficient', ambiguous: false });
    expect(fake.transfers.size).toBe(0);
  });

  it('honours Stripe-Should-Retry: false makes a 500 permanent, true makes a 400 retryable', async () => {
    fake.scriptFaults('should_retry_false');
    await expect(psp.transfer(req(10, 'k-no-retry'), { idempotencyKey: 'k-no-retry' })).rejects.toMatchObject({ disposition: 'permanent', code: 'server_error' });
    fake.scriptFaults('should_retry_true');
    await expect(psp.transfer(req(10, 'k-retry'), { idempotencyKey: 'k-retry' })).rejects.toMatchObject({ disposition: 'retryable', code: 'lock_timeout' });
  });

  it('waits for funds without spending attempts, then sends each call exactly once', async () => {
    const db = memoryDb();
    let t = FROZEN_NOW.getTime();
    const now = () => new Date(t);
    const keys = { transfer: transferKey('F2', 'LYON', 'EUR'), payout: payoutKey('F2', 'HQ', 'EUR') };
    db.transaction(() => {
      enqueue(db, { kind: 'psp.transfer', idempotencyKey: keys.transfer, now: now(), payload: { entity: 'LYON', destination: 'acct_lyon', currency: 'EUR', amount: 40_000, release_run: 'F2', orders: [{ order: 'W-2', amount: 40_000 }] } });
      enqueue(db, { kind: 'psp.payout', idempotencyKey: keys.payout, now: now(), payload: { entity: 'HQ', currency: 'EUR', amount: 20_000, release_run: 'F2' } });
    })();
    const runner = new OutboxRunner({ db, registry: createRegistry(psp), now, random: () => 0.5, policy: { maxAttempts: 2, fundsRetryMs: 60_000 } });
    // Three passes without funds: more than the attempt budget, and nothing dead.
    for (let pass = 0; pass < 3; pass++) {
      const report = await runner.drain();
      expect(report, `pass ${pass}`).toMatchObject({ sent: 0, dead: 0 });
      for (const key of Object.values(keys)) {
        const row = db.prepare('SELECT status, attempts, last_error_code, next_attempt_at FROM outbox WHERE idempotency_key = ?').get(key) as { status: string; attempts: number; last_error_code: string; next_attempt_at: string };
        expect(row).toMatchObject({ status: pass === 0 ? 'pending' : expect.stringMatching(/^(pending|failed)$/), attempts: 0, last_error_code: 'balance_insufficient' });
        expect(Date.parse(row.next_attempt_at)).toBe(t + 60_000);
      }
      t += 60_000;
    }
    expect(fake.transfers.size + fake.payouts.size).toBe(0);
    // The funds arrive.
    fake.fund('eur', 100_000);
    expect(await runner.drain()).toMatchObject({ sent: 2, dead: 0 });
    runner.release();
    const byKey = fake.transfersByKey();
    expect(byKey.get(keys.transfer)).toHaveLength(1);
    expect([...fake.payouts.values()].filter((p) => p.metadata.ventil_key === keys.payout)).toHaveLength(1);
    expect(getOutboxRow(db, db.prepare('SELECT id FROM outbox WHERE idempotency_key = ?').pluck().get(keys.transfer) as number)).toMatchObject({ status: 'sent', attempts: 1 });
    // The first key carries Stripe's saved refusal; the call that passed used a fresh one.
    const sentUnder = fake.requests.filter((r) => r.path === '/v1/transfers' && r.status === 200).map((r) => r.key);
    expect(sentUnder).toEqual([`${keys.transfer}~funds3`]);
    expect(fake.requests.filter((r) => r.key === keys.transfer).map((r) => r.status)).toEqual([400]);
  });
});
