// The outbox contract (enqueue inside the caller's transaction, idempotent keys, checked
// payloads) and the runner (backoff with jitter, bounded attempts, retryable vs permanent,
// offline, crash recovery with the same key, operator retry and cancel).
import { describe, expect, it, vi } from 'vitest';
import { callApi } from '../../../core/api/index.js';
import { createRegistry } from '../../../core/adapters/registry.js';
import { PspError, type PspAdapter, type PspObject } from '../../../core/adapters/psp.js';
import { SandboxPsp } from '../../../core/adapters/sandbox-psp.js';
import { enqueue, getOutboxRow, listAttempts, OutboxError, refundSplit, writeState } from '../../../core/sync/outbox.js';
import { refundKey, reversalKey, transferKey } from '../../../core/sync/payloads.js';
import { backoffDelay, OutboxRunner, RunnerLockedError } from '../../../core/sync/runner.js';
import type { Db } from '../../../core/store/db.js';
import { FROZEN_NOW, memoryDb, readExample, testContext } from '../../helpers/db.js';

function networkDb(): Db {
  const db = memoryDb();
  const r = callApi(testContext(db), 'scenario.import', { scenario: readExample('network-basic.json') });
  if (!r.ok) throw new Error(r.error.message);
  return db;
}

const transfer = (run: string, entity: string, amount: number, orders = [{ order: 'W-1001', amount }]) => ({
  kind: 'psp.transfer' as const, idempotencyKey: transferKey(run, entity, 'EUR'),
  payload: { entity, currency: 'EUR', amount, release_run: run, orders },
});

/** A clock the test moves by hand. */
function clock(start = FROZEN_NOW) {
  let t = start.getTime();
  return { now: () => new Date(t), advance: (ms: number) => { t += ms; }, set: (d: Date) => { t = d.getTime(); } };
}

/** A PSP whose next answers the test scripts; it records every call with its key. */
class ScriptedPsp implements PspAdapter {
  readonly name = 'scripted';
  idempotencyWindowMs: number | null = null;
  calls: { key: string; amount: number }[] = [];
  applied = new Map<string, PspObject>();
  script: (PspError | 'ok' | 'apply-then-timeout')[] = [];
  finds: string[] = [];
  private n = 0;

  private async answer(key: string, amount: number, currency: string, type: PspObject['type']): Promise<PspObject> {
    this.calls.push({ key, amount });
    const next = this.script.shift() ?? 'ok';
    if (next instanceof PspError) throw next;
    const obj = this.applied.get(key) ?? { type, id: `${type}_${++this.n}`, amount, currency, status: type === 'transfer' ? 'paid' : 'succeeded', metadata: { ventil_key: key } };
    this.applied.set(key, obj);
    if (next === 'apply-then-timeout') throw new PspError({ disposition: 'retryable', code: 'timeout', ambiguous: true, message: 'timed out' });
    return obj;
  }
  capture = (r: { amount: number; currency: string }, o: { idempotencyKey: string }) => this.answer(o.idempotencyKey, r.amount, r.currency, 'capture');
  transfer = (r: { amount: number; currency: string }, o: { idempotencyKey: string }) => this.answer(o.idempotencyKey, r.amount, r.currency, 'transfer');
  reverseTransfer = (r: { amount: number; currency: string }, o: { idempotencyKey: string }) => this.answer(o.idempotencyKey, r.amount, r.currency, 'transfer_reversal');
  refund = (r: { amount: number; currency: string }, o: { idempotencyKey: string }) => this.answer(o.idempotencyKey, r.amount, r.currency, 'refund');
  payout = (r: { amount: number; currency: string }, o: { idempotencyKey: string }) => this.answer(o.idempotencyKey, r.amount, r.currency, 'payout');
  balances = async () => [];
  settlementReport = async () => [];
  find = async (_type: PspObject['type'], hint: { key: string }) => { this.finds.push(hint.key); return this.applied.get(hint.key) ?? null; };
}

const err = (disposition: PspError['disposition'], code: string, extra: Partial<{ retryAfterMs: number; httpStatus: number }> = {}) =>
  new PspError({ disposition, code, message: `${code}!`, ...extra });

function runnerFor(db: Db, psp: PspAdapter, c = clock(), policy = {}) {
  return new OutboxRunner({ db, registry: createRegistry(psp), now: c.now, random: () => 0.5, policy: { baseMs: 1000, maxMs: 60_000, maxAttempts: 4, ...policy } });
}

describe('backoff', () => {
  it('doubles per attempt with equal jitter, is capped, and honours Retry-After', () => {
    const p = { baseMs: 1000, maxMs: 8000 };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, p, () => 0))).toEqual([500, 1000, 2000, 4000, 4000, 4000]);
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, p, () => 1))).toEqual([1000, 2000, 4000, 8000, 8000]);
    for (let n = 1; n < 60; n++) {
      const d = backoffDelay(n, p, Math.random);
      const exp = Math.min(8000, 1000 * 2 ** (n - 1));
      expect(d).toBeGreaterThanOrEqual(exp / 2);
      expect(d).toBeLessThanOrEqual(exp);
    }
    expect(backoffDelay(1, p, () => 0, 30_000)).toBe(30_000);
  });
});

describe('enqueue', () => {
  it('writes inside the caller\'s transaction: a rollback takes the call with it', () => {
    const db = networkDb();
    expect(() => db.transaction(() => {
      enqueue(db, transfer('R1', 'LYON', 1200));
      throw new Error('the release run failed');
    })()).toThrow('release run failed');
    expect(db.prepare('SELECT COUNT(*) FROM outbox').pluck().get()).toBe(0);
    db.transaction(() => enqueue(db, transfer('R1', 'LYON', 1200)))();
    expect(db.prepare('SELECT COUNT(*) FROM outbox').pluck().get()).toBe(1);
  });

  it('ignores the same key with the same payload, refuses it with another, fills the destination', () => {
    const db = networkDb();
    const first = db.transaction(() => enqueue(db, transfer('R1', 'LYON', 1200)))();
    const again = db.transaction(() => enqueue(db, transfer('R1', 'LYON', 1200)))();
    expect(first.created).toBe(true);
    expect(again).toMatchObject({ created: false, id: first.id });
    expect(() => db.transaction(() => enqueue(db, transfer('R1', 'LYON', 1300)))()).toThrow(OutboxError);
    expect(JSON.parse(getOutboxRow(db, first.id)!.payload_json).destination).toBe('acct_lyon');
    expect(getOutboxRow(db, first.id)!.entity).toBe('LYON');
  });

  it('checks the payload: orders must add up, amounts are positive integers, the kind is known', () => {
    const db = networkDb();
    const bad = () => db.transaction(() => enqueue(db, transfer('R1', 'LYON', 1200, [{ order: 'W-1001', amount: 1000 }])))();
    expect(bad).toThrow(/add up to 1000/);
    try { bad(); } catch (e) { expect((e as OutboxError).issues?.[0]).toMatchObject({ path: 'payload.orders' }); }
    expect(() => enqueue(db, { ...transfer('R2', 'LYON', 12.5), payload: { ...transfer('R2', 'LYON', 12.5).payload, orders: [{ order: 'x', amount: 12.5 }] } })).toThrow(OutboxError);
    expect(() => enqueue(db, { kind: 'psp.teleport' as never, idempotencyKey: 'k', payload: { entity: 'LYON' } })).toThrow(/unknown outbox kind/);
    expect(() => enqueue(db, transfer('R3', 'NOPE', 10))).toThrow(/no entity/);
    expect(() => enqueue(db, { ...transfer('R3', 'LYON', 10), idempotencyKey: 'has space' })).toThrow(/printable/);
  });

  it('spreads refunds over the payments by what each can still refund, never more than it took', () => {
    const db = memoryDb();
    const scenario = readExample('network-basic.json');
    const order = structuredClone(scenario.orders[0]);
    order.id = 'SPLIT-1';
    const total = order.payments[0].amount;
    order.payments = [{ ...order.payments[0], id: 'P-A', amount: total - 1 }, { ...order.payments[0], id: 'P-B', amount: 1 }];
    scenario.orders = [order];
    scenario.events = [];
    const r = callApi(testContext(db), 'scenario.import', { scenario });
    expect(r.ok).toBe(true);
    let refunded = 0;
    for (let i = 0; refunded < total; i++) {
      const step = Math.min(1733, total - refunded);
      const res = db.transaction(() => enqueue(db, { kind: 'psp.refund', idempotencyKey: refundKey('SPLIT-1', `r${i}`), payload: { order: 'SPLIT-1', currency: 'EUR', amount: step } }))();
      expect(res.created).toBe(true);
      refunded += step;
    }
    const per = db.prepare("SELECT json_extract(j.value, '$.payment') AS p, SUM(json_extract(j.value, '$.amount')) AS s FROM outbox, json_each(outbox.payload_json, '$.payments') j GROUP BY p ORDER BY p").all();
    expect(per).toEqual([{ p: 'P-A', s: total - 1 }, { p: 'P-B', s: 1 }]);
    expect(() => refundSplit(db, 'SPLIT-1', 1)).toThrow(/at most 0/);
    const row = db.prepare("SELECT entity FROM outbox LIMIT 1").pluck().get();
    expect(row).toBe('HQ');
  });

  it('makes a reversal wait for its transfer, and refuses one whose transfer is unknown', () => {
    const db = networkDb();
    expect(() => enqueue(db, { kind: 'psp.transfer_reversal', idempotencyKey: reversalKey('ret-1', 'LYON', 'EUR'),
      payload: { entity: 'LYON', currency: 'EUR', amount: 100, transfer_key: 'nope', orders: [{ order: 'W-1001', amount: 100 }] } })).toThrow(/enqueue the transfer first/);
    db.transaction(() => {
      enqueue(db, transfer('R1', 'LYON', 1200));
      enqueue(db, { kind: 'psp.transfer_reversal', idempotencyKey: reversalKey('ret-1', 'LYON', 'EUR'),
        payload: { entity: 'LYON', currency: 'EUR', amount: 100, transfer_key: transferKey('R1', 'LYON', 'EUR'), orders: [{ order: 'W-1001', amount: 100 }] } });
    })();
    expect(db.prepare("SELECT depends_on FROM outbox WHERE kind = 'psp.transfer_reversal'").pluck().get()).toBe(transferKey('R1', 'LYON', 'EUR'));
  });
});

describe('runner', () => {
  it('sends through the sandbox PSP and records the acknowledgement and the PSP object', async () => {
    const db = networkDb();
    const c = clock();
    db.transaction(() => {
      enqueue(db, transfer('R1', 'LYON', 1200));
      enqueue(db, { kind: 'psp.transfer_reversal', idempotencyKey: reversalKey('ret-1', 'LYON', 'EUR'),
        payload: { entity: 'LYON', currency: 'EUR', amount: 200, transfer_key: transferKey('R1', 'LYON', 'EUR'), orders: [{ order: 'W-1001', amount: 200 }] } });
      enqueue(db, { kind: 'psp.refund', idempotencyKey: refundKey('W-1001', 'cancel-1'), payload: { order: 'W-1001', currency: 'EUR', amount: 500 } });
    })();
    const runner = runnerFor(db, new SandboxPsp(db, c.now), c);
    const report = await runner.drain();
    runner.release();
    expect(report).toMatchObject({ processed: 3, sent: 3, dead: 0 });
    const objects = db.prepare('SELECT type, amount, amount_reversed, status, entity, outbox_key FROM psp_objects ORDER BY type').all();
    expect(objects).toEqual([
      { type: 'refund', amount: 500, amount_reversed: 0, status: 'succeeded', entity: 'HQ', outbox_key: refundKey('W-1001', 'cancel-1') },
      { type: 'transfer', amount: 1200, amount_reversed: 0, status: 'paid', entity: 'LYON', outbox_key: transferKey('R1', 'LYON', 'EUR') },
      { type: 'transfer_reversal', amount: 200, amount_reversed: 0, status: 'succeeded', entity: 'LYON', outbox_key: reversalKey('ret-1', 'LYON', 'EUR') },
    ]);
    expect(db.prepare("SELECT COUNT(*) FROM outbox WHERE status = 'sent'").pluck().get()).toBe(3);
    // The sandbox honours keys: the same call again gives the same object, and nothing new.
    const psp = new SandboxPsp(db, c.now);
    const again = await psp.transfer({ destination: 'acct_lyon', amount: 1200, currency: 'EUR', transferGroup: 'ventil-run-R1', tags: { ventilKey: 'x', entity: 'LYON', kind: 'psp.transfer', releaseRun: 'R1', orders: [{ order: 'W-1001', amount: 1200 }] } }, { idempotencyKey: transferKey('R1', 'LYON', 'EUR') });
    expect(again.id).toBe(db.prepare("SELECT psp_id FROM psp_objects WHERE type = 'transfer'").pluck().get());
    await expect(psp.transfer({ destination: 'acct_lyon', amount: 1, currency: 'EUR', transferGroup: 'g', tags: { ventilKey: 'x', entity: 'LYON', kind: 'psp.transfer' } }, { idempotencyKey: transferKey('R1', 'LYON', 'EUR') }))
      .rejects.toMatchObject({ disposition: 'permanent', code: 'idempotency_mismatch' });
    expect(db.prepare("SELECT COUNT(*) FROM sandbox_psp_objects WHERE type = 'transfer'").pluck().get()).toBe(1);
  });

  it('retries retryable errors with backoff and jitter, then dead-letters after the attempt budget', async () => {
    const db = networkDb();
    const c = clock();
    const psp = new ScriptedPsp();
    psp.script = [err('retryable', 'server_error'), err('retryable', 'timeout'), err('retryable', 'server_error'), err('retryable', 'server_error')];
    const id = db.transaction(() => enqueue(db, transfer('R1', 'LYON', 1200)))().id;
    const runner = runnerFor(db, psp, c);
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const before = c.now().getTime();
      await runner.drain();
      const row = getOutboxRow(db, id)!;
      if (row.status === 'failed') delays.push(Date.parse(row.next_attempt_at) - before);
      expect((await runner.drain()).processed).toBe(0); // not due yet
      c.advance(120_000);
    }
    // random() = 0.5: 3/4 of 1000 × 2^(n-1)
    expect(delays).toEqual([750, 1500, 3000]);
    const row = getOutboxRow(db, id)!;
    expect(row.status).toBe('dead');
    expect(row.attempts).toBe(4);
    expect(row.last_error).toMatch(/gave up after 4 attempts; last error: server_error!/);
    expect(new Set(psp.calls.map((x) => x.key))).toEqual(new Set([transferKey('R1', 'LYON', 'EUR')]));
    expect(listAttempts(db, id).map((a) => a.outcome)).toEqual(['retry', 'retry', 'retry', 'dead']);
    runner.release();
  });

  it('dead-letters a permanent refusal at once, with the reason', async () => {
    const db = networkDb();
    const psp = new ScriptedPsp();
    psp.script = [new PspError({ disposition: 'permanent', code: 'resource_missing', httpStatus: 400, message: 'No such destination' })];
    const id = db.transaction(() => enqueue(db, transfer('R1', 'LYON', 1200)))().id;
    const runner = runnerFor(db, psp);
    expect(await runner.drain()).toMatchObject({ processed: 1, dead: 1 });
    expect(getOutboxRow(db, id)).toMatchObject({ status: 'dead', attempts: 1, last_error_code: 'resource_missing', last_error: 'refused: No such destination' });
    expect(listAttempts(db, id)[0]).toMatchObject({ outcome: 'dead', http_status: 400 });
    runner.release();
  });

  it('waits while offline without spending attempts, and stops the pass', async () => {
    const db = networkDb();
    const c = clock();
    const psp = new ScriptedPsp();
    psp.script = Array.from({ length: 30 }, () => err('offline', 'offline'));
    db.transaction(() => { enqueue(db, transfer('R1', 'LYON', 1200)); enqueue(db, transfer('R1', 'VILL', 800)); })();
    const runner = runnerFor(db, psp, c, { maxAttempts: 2 });
    for (let i = 0; i < 30; i++) {
      const r = await runner.drain();
      if (r.processed) expect(r).toMatchObject({ processed: 1, offline: true });
      c.advance(10 * 60_000);
    }
    const rows = db.prepare('SELECT status, attempts FROM outbox ORDER BY id').all();
    expect(rows).toEqual([{ status: 'pending', attempts: 0 }, { status: 'pending', attempts: 0 }]);
    expect(db.prepare("SELECT value FROM sync_state WHERE key = 'offline_since'").pluck().get()).toBeTruthy();
    // The network comes back: everything goes, nothing was lost.
    psp.script = [];
    c.advance(10 * 60_000);
    expect(await runner.drain()).toMatchObject({ sent: 2 });
    expect(db.prepare("SELECT value FROM sync_state WHERE key = 'offline_since'").pluck().get()).toBeUndefined();
    runner.release();
  });

  it('does not spend attempts on 429, and waits at least Retry-After', async () => {
    const db = networkDb();
    const c = clock();
    const psp = new ScriptedPsp();
    psp.script = [err('retryable', 'rate_limited', { retryAfterMs: 30_000, httpStatus: 429 })];
    const id = db.transaction(() => enqueue(db, transfer('R1', 'LYON', 1200)))().id;
    const runner = runnerFor(db, psp, c);
    await runner.drain();
    const row = getOutboxRow(db, id)!;
    expect(row).toMatchObject({ status: 'pending', attempts: 0 });
    expect(Date.parse(row.next_attempt_at) - c.now().getTime()).toBeGreaterThanOrEqual(30_000);
    c.advance(31_000);
    expect(await runner.drain()).toMatchObject({ sent: 1 });
    runner.release();
  });

  it('requeues a call left in flight by a killed runner and sends it again with the SAME key', async () => {
    const db = networkDb();
    const c = clock();
    const psp = new ScriptedPsp();
    const id = db.transaction(() => enqueue(db, transfer('R1', 'LYON', 1200)))().id;
    // A runner claims the row, the PSP applies the call, and the process dies before recording it.
    psp.script = ['apply-then-timeout'];
    const first = runnerFor(db, psp, c);
    first.acquire();
    const claimed = first.claimNext()!;
    await expect(psp.transfer({ amount: 1200, currency: 'EUR' }, { idempotencyKey: claimed.idempotency_key })).rejects.toThrow();
    // Simulate the dead process: its lock names a pid that no longer exists.
    writeState(db, 'runner.lock', { id: 'dead', pid: 2 ** 22 + 12345, host: (await import('node:os')).hostname(), heartbeat_at: c.now().toISOString(), started_at: c.now().toISOString() }, c.now());
    expect(getOutboxRow(db, id)!.status).toBe('in_flight');
    const second = runnerFor(db, psp, c);
    expect(second.acquire()).toEqual({ recovered: 1 });
    expect(getOutboxRow(db, id)).toMatchObject({ status: 'failed', last_error_code: 'interrupted', attempts: 1 });
    expect(await second.drain()).toMatchObject({ sent: 1 });
    expect(psp.calls.map((x) => x.key)).toEqual([transferKey('R1', 'LYON', 'EUR'), transferKey('R1', 'LYON', 'EUR')]);
    expect(psp.applied.size).toBe(1);
    expect(listAttempts(db, id).map((a) => a.outcome)).toEqual(['interrupted', 'sent']);
    second.release();
  });

  it('refuses a second runner while the first is alive', () => {
    const db = networkDb();
    const a = runnerFor(db, new ScriptedPsp());
    a.acquire();
    const b = runnerFor(db, new ScriptedPsp());
    expect(() => b.acquire()).toThrow(RunnerLockedError);
    a.release();
    expect(() => b.acquire()).not.toThrow();
    b.release();
  });

  it('looks a call up at the PSP before resending it past the idempotency window', async () => {
    const db = networkDb();
    const c = clock();
    const psp = new ScriptedPsp();
    psp.idempotencyWindowMs = 60 * 60_000;
    psp.script = ['apply-then-timeout'];
    const id = db.transaction(() => enqueue(db, transfer('R1', 'LYON', 1200)))().id;
    const runner = runnerFor(db, psp, c);
    await runner.drain();
    expect(getOutboxRow(db, id)!.status).toBe('failed');
    c.advance(2 * 60 * 60_000);
    await runner.drain();
    expect(psp.finds).toEqual([transferKey('R1', 'LYON', 'EUR')]);
    expect(psp.calls).toHaveLength(1); // found, not sent again
    expect(listAttempts(db, id).map((a) => a.outcome)).toEqual(['retry', 'found']);
    expect(getOutboxRow(db, id)!.status).toBe('sent');
    runner.release();
  });

  it('kills a reversal whose transfer is dead, instead of sending it', async () => {
    const db = networkDb();
    const psp = new ScriptedPsp();
    psp.script = [err('permanent', 'resource_missing')];
    db.transaction(() => {
      enqueue(db, transfer('R1', 'LYON', 1200));
      enqueue(db, { kind: 'psp.transfer_reversal', idempotencyKey: 'rev-1', payload: { entity: 'LYON', currency: 'EUR', amount: 100, transfer_key: transferKey('R1', 'LYON', 'EUR'), orders: [{ order: 'W-1001', amount: 100 }] } });
    })();
    const runner = runnerFor(db, psp);
    await runner.drain();
    expect(db.prepare('SELECT kind, status, last_error_code FROM outbox ORDER BY id').all()).toEqual([
      { kind: 'psp.transfer', status: 'dead', last_error_code: 'resource_missing' },
      { kind: 'psp.transfer_reversal', status: 'dead', last_error_code: 'dependency_failed' },
    ]);
    expect(psp.calls).toHaveLength(1);
    runner.release();
  });
});

describe('operator actions (API)', () => {
  it('retries a dead row with a fresh budget and cancels a pending one; both audited, sent rows refused', async () => {
    const db = networkDb();
    const ctx = testContext(db);
    const psp = new ScriptedPsp();
    psp.script = [err('permanent', 'boom')];
    const { dead, pending } = db.transaction(() => ({
      dead: enqueue(db, transfer('R1', 'LYON', 1200)).id,
      pending: enqueue(db, transfer('R1', 'VILL', 800)).id,
    }))();
    const r2 = runnerFor(db, psp);
    await r2.drain();
    r2.release();
    expect(getOutboxRow(db, dead)!.status).toBe('dead');
    expect(getOutboxRow(db, pending)!.status).toBe('sent');

    const retried = callApi(ctx, 'sync.outbox.retry', { id: dead });
    expect(retried).toMatchObject({ ok: true, value: { status: 'pending', attempts: 0, idempotency_key: transferKey('R1', 'LYON', 'EUR') } });
    const refused = callApi(ctx, 'sync.outbox.retry', { id: pending });
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid_state' } });
    const cancelled = callApi(ctx, 'sync.outbox.cancel', { id: dead, reason: 'wrong account' });
    expect(cancelled).toMatchObject({ ok: true, value: { status: 'cancelled', may_have_been_applied: false } });
    expect(callApi(ctx, 'sync.outbox.cancel', { id: pending, reason: 'too late' })).toMatchObject({ ok: false, error: { code: 'invalid_state' } });
    const log = listAttempts(db, dead).map((a) => [a.outcome, a.actor]);
    expect(log).toEqual([['dead', expect.any(String)], ['operator_retry', 'system'], ['operator_cancel', 'system']]);
    const status = callApi(ctx, 'sync.status', {});
    expect(status).toMatchObject({ ok: true, value: { counts: { sent: 1, cancelled: 1, pending: 0, dead: 0 } } });
  });
});

describe('background sync', () => {
  it('runs the configured (sandbox) runner in the background and stops after the call in progress', async () => {
    const { startBackgroundSync } = await import('../../../core/sync/background.js');
    const db = networkDb();
    db.transaction(() => enqueue(db, transfer('BG-1', 'LYON', 900)))();
    const sync = await startBackgroundSync(db, { config: { psp: 'sandbox' }, pollMs: 20 });
    const deadline = Date.now() + 5_000;
    while (db.prepare("SELECT status FROM outbox").pluck().get() !== 'sent' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await sync.stop();
    expect(db.prepare("SELECT status FROM outbox").pluck().get()).toBe('sent');
    expect(db.prepare("SELECT COUNT(*) FROM sync_state WHERE key = 'runner.lock'").pluck().get()).toBe(0);
  });
  it('pauses after a failure (a writer holding the database past the busy timeout), says when it starts again, and does', async () => {
    const { startBackgroundSync } = await import('../../../core/sync/background.js');
    const db = networkDb();
    db.transaction(() => enqueue(db, transfer('BG-2', 'LYON', 900)))();
    const run = OutboxRunner.prototype.run;
    let calls = 0;
    const spy = vi.spyOn(OutboxRunner.prototype, 'run').mockImplementation(function (this: OutboxRunner, ...args: Parameters<OutboxRunner['run']>) {
      return calls++ === 0 ? Promise.reject(new Error('database is locked')) : run.apply(this, args);
    });
    const lines: string[] = [];
    try {
      const sync = await startBackgroundSync(db, { config: { psp: 'sandbox' }, pollMs: 20, standbyMs: 50, log: (l) => lines.push(l) });
      const deadline = Date.now() + 5_000;
      while (db.prepare('SELECT status FROM outbox').pluck().get() !== 'sent' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await sync.stop();
    } finally {
      spy.mockRestore();
    }
    expect(lines).toContain('outbox runner paused: database is locked; starting again in 0.05 s');
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(db.prepare('SELECT status FROM outbox').pluck().get()).toBe('sent');
  });
});

describe('stopping', () => {
  it('finishes and records the call in progress when asked to stop, then lets go of the lock', async () => {
    const db = networkDb();
    db.transaction(() => { enqueue(db, transfer('STOP-1', 'LYON', 900)); enqueue(db, transfer('STOP-1', 'VILL', 800)); })();
    const psp = new ScriptedPsp();
    const slow = psp.transfer;
    let inCall: () => void = () => {};
    const called = new Promise<void>((r) => { inCall = r; });
    psp.transfer = async (r, o) => { inCall(); await new Promise((res) => setTimeout(res, 200)); return slow(r, o); };
    const runner = new OutboxRunner({ db, registry: createRegistry(psp), policy: { baseMs: 1000 } });
    const stop = new AbortController();
    const running = runner.run({ signal: stop.signal, pollMs: 50 });
    await called;
    stop.abort(); // during the first call
    await running;
    expect(db.prepare('SELECT status FROM outbox ORDER BY id').pluck().all()).toEqual(['sent', 'pending']);
    expect(psp.calls).toHaveLength(1);
    expect(runner.holdsLock).toBe(false);
  });
});
