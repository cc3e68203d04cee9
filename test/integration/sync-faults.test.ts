// Fault test with real processes (docs/spec.md invariant 6: no PSP call applied twice, no outbox item
// lost). A release run's transfers (and a few reversals) are enqueued in one transaction; the
// outbox runner (`ventil sync`, as a child process) sends them to a fake Stripe that fails on
// purpose (500, 429, hangs, connections reset before or after applying the call), and the test
// SIGKILLs the runner twenty times: at random moments, and right after the fake applied a call but
// before it answered. Then a last runner is left to finish. Every transfer must exist exactly once
// at the fake, for exactly the amount enqueued, and the outbox must hold nothing pending: each row
// sent, or dead-lettered with its reason.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../core/store/database.js';
import type { Db } from '../../core/store/db.js';
import { enqueue } from '../../core/sync/outbox.js';
import { reversalKey, transferKey } from '../../core/sync/payloads.js';
import { FakeStripe } from '../fakes/fake-stripe.js';
import { tempDir } from '../helpers/db.js';
import { childCommand, countOpen, killRunners, startRunner } from '../helpers/sync-runner.js';
import { mulberry32 } from '../../core/demo/random.js';

const SEED = Number(process.env.VENTIL_FAULT_SEED ?? 20260401);
const KILLS = 20;
const TRANSFERS = 40;
const REVERSALS = 8;


afterAll(killRunners);

describe('outbox runner under faults and SIGKILL (child processes, fake Stripe)', () => {
  it(`sends ${TRANSFERS} transfers and ${REVERSALS} reversals exactly once through ${KILLS} kills (seed ${SEED})`, async () => {
    const started = Date.now();
    const rand = mulberry32(SEED);
    const tmp = tempDir('ventil-faults-');
    const dbFile = join(tmp.dir, 'ventil.db');

    // A release run, as the escrow engineer's code will write it: one transaction, one transfer
    // per entity and currency, plus recoveries of returns after release, and one transfer to an
    // account the PSP does not know (it must end dead-lettered with the PSP's reason).
    const expected = new Map<string, { amount: number; destination: string }>();
    const expectedReversals = new Map<string, { amount: number; transferKey: string }>();
    const { db } = openDatabase({ file: dbFile });
    const setup = (d: Db) => d.transaction(() => {
      for (let i = 1; i <= TRANSFERS; i++) {
        const entity = `E${String(i).padStart(3, '0')}`;
        const amount = 1 + Math.floor(rand() * 250_000);
        const first = Math.floor(amount / 3);
        const key = transferKey('RUN-2026-04-01', entity, 'EUR');
        enqueue(d, {
          kind: 'psp.transfer', idempotencyKey: key,
          payload: { entity, destination: `acct_${entity.toLowerCase()}`, currency: 'EUR', amount, release_run: 'RUN-2026-04-01',
            orders: [{ order: `O-${i}-A`, amount: first }, { order: `O-${i}-B`, amount: amount - first }] },
        });
        expected.set(key, { amount, destination: `acct_${entity.toLowerCase()}` });
        if (i <= REVERSALS) {
          const rkey = reversalKey(`return-${i}`, entity, 'EUR');
          const back = 1 + Math.floor(rand() * Math.min(first, 5000));
          enqueue(d, { kind: 'psp.transfer_reversal', idempotencyKey: rkey, payload: { entity, currency: 'EUR', amount: back, transfer_key: key, reason: 'return_after_release', orders: [{ order: `O-${i}-A`, amount: back }] } });
          expectedReversals.set(rkey, { amount: back, transferKey: key });
        }
      }
      enqueue(d, { kind: 'psp.transfer', idempotencyKey: transferKey('RUN-2026-04-01', 'GHOST', 'EUR'),
        payload: { entity: 'GHOST', destination: 'bank_not_an_account', currency: 'EUR', amount: 4200, release_run: 'RUN-2026-04-01', orders: [{ order: 'O-GHOST', amount: 4200 }] } });
    })();
    setup(db);
    db.close();

    let killNow: (() => void) | null = null;
    const fake = await FakeStripe.start({
      seed: SEED,
      faults: { error500: 0.12, rateLimit429: 0.03, hangBefore: 0.04, hangAfter: 0.05, resetBefore: 0.04, resetAfter: 0.10, retryAfterSec: 1 },
      hangMs: 3_000,
      lifetimeMs: 120_000,
      onApplied: () => { const k = killNow; killNow = null; k?.(); },
    });

    const command = await childCommand();
    const openAtKill: number[] = [];
    try {
      let kills = 0;
      let killsAtApply = 0;
      for (let i = 0; i < KILLS; i++) {
        const r = startRunner(command.bundled ?? command.source, dbFile, fake.url);
        // Where to kill: while it starts (opening the database, taking the lock, requeueing
        // what the previous one left in flight); at a random moment of its work (claiming,
        // calling, recording); or right after the PSP applied a call but before it answered,
        // the nastiest point. Never later than 1.5 s after it is ready.
        const x = rand();
        const mode = x < 0.2 ? 'startup' : x < 0.55 ? 'random' : 'apply';
        if (mode !== 'startup') await r.ready;
        await new Promise<void>((resolve) => {
          const kill = () => { clearTimeout(timer); killNow = null; r.child.kill('SIGKILL'); resolve(); };
          const timer = setTimeout(kill, mode === 'apply' ? 1_500 : mode === 'startup' ? Math.floor(rand() * 700) : Math.floor(rand() * 300));
          if (mode === 'apply') killNow = () => { killsAtApply++; kill(); };
        });
        const exit = await r.exited;
        expect(exit.signal).toBe('SIGKILL');
        kills++;
        openAtKill.push(countOpen(dbFile).open);
      }
      const killPhase = Date.now() - started;
      expect(kills).toBe(KILLS);
      expect(killsAtApply).toBeGreaterThan(0);

      // The last runner, left to finish while the PSP keeps failing; then stopped with SIGTERM,
      // which lets the call in progress finish.
      const last = startRunner(command.source, dbFile, fake.url);
      await last.ready;
      const deadline = Date.now() + 30_000;
      while (countOpen(dbFile).open > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      last.child.kill('SIGTERM');
      const exit = await last.exited;
      expect(exit, last.err()).toEqual({ code: 0, signal: null });
      expect(last.out()).toMatch(/stopped; 0 call\(s\) waiting, 1 dead-lettered/);

      // At the PSP: every transfer exactly once, for the amount enqueued, to the right account.
      const byKey = fake.transfersByKey();
      for (const [key, want] of expected) {
        const got = byKey.get(key) ?? [];
        expect(got, `transfer ${key}`).toHaveLength(1);
        expect(got[0]).toMatchObject({ amount: want.amount, currency: 'eur', destination: want.destination, transfer_group: 'ventil-run-RUN-2026-04-01' });
      }
      expect(fake.transfers.size).toBe(TRANSFERS);
      const reversals = [...fake.reversals.values()];
      expect(reversals).toHaveLength(REVERSALS);
      for (const [key, want] of expectedReversals) {
        const got = reversals.filter((r) => r.metadata.ventil_key === key);
        expect(got, `reversal ${key}`).toHaveLength(1);
        expect(got[0].amount).toBe(want.amount);
        expect(got[0].transfer).toBe(byKey.get(want.transferKey)![0].id);
      }
      const totalExpected = [...expected.values()].reduce((s, x) => s + x.amount, 0);
      const totalAtPsp = [...fake.transfers.values()].reduce((s, t) => s + t.amount, 0);
      expect(totalAtPsp).toBe(totalExpected);

      // In Ventil: nothing pending; every row sent with the PSP's object, or dead with a reason.
      const { db: check } = openDatabase({ file: dbFile, readonly: true });
      try {
        const rows = check.prepare('SELECT idempotency_key, kind, status, last_error FROM outbox ORDER BY id').all() as { idempotency_key: string; kind: string; status: string; last_error: string | null }[];
        expect(rows).toHaveLength(TRANSFERS + REVERSALS + 1);
        const dead = rows.filter((r) => r.status !== 'sent');
        expect(dead).toEqual([{ idempotency_key: transferKey('RUN-2026-04-01', 'GHOST', 'EUR'), kind: 'psp.transfer', status: 'dead', last_error: expect.stringMatching(/^refused: No such destination/) }]);
        const objects = check.prepare("SELECT outbox_key, psp_id, amount FROM psp_objects WHERE type = 'transfer'").all() as { outbox_key: string; psp_id: string; amount: number }[];
        expect(objects).toHaveLength(TRANSFERS);
        for (const o of objects) {
          expect(byKey.get(o.outbox_key)![0].id).toBe(o.psp_id);
          expect(o.amount).toBe(expected.get(o.outbox_key)!.amount);
        }
        const interrupted = check.prepare("SELECT COUNT(*) FROM outbox_attempts WHERE outcome = 'interrupted'").pluck().get() as number;
        expect(interrupted).toBeGreaterThan(0);
      } finally {
        check.close();
      }

      // The faults really happened, and calls really were repeated under the same keys.
      expect(fake.faultCounts['500']).toBeGreaterThan(0);
      expect(fake.faultCounts.reset_after).toBeGreaterThan(0);
      expect(fake.faultCounts.hang_after + fake.faultCounts.hang_before).toBeGreaterThan(0);
      const perKey = new Map<string, number>();
      for (const r of fake.requests) if (r.key) perKey.set(r.key, (perKey.get(r.key) ?? 0) + 1);
      expect(Math.max(...perKey.values())).toBeGreaterThan(1);
      expect(fake.requests.filter((r) => r.status === 400 && r.path === '/v1/transfers' && r.key !== transferKey('RUN-2026-04-01', 'GHOST', 'EUR'))).toEqual([]);
      console.log(`sync-faults: seed ${SEED}, ${kills} kills (${killsAtApply} right after the PSP applied a call), calls still open after each kill ${openAtKill.join(',')}, `
        + `${fake.requests.length} requests, faults ${JSON.stringify(fake.faultCounts)}, kills ${(killPhase / 1000).toFixed(1)} s, total ${((Date.now() - started) / 1000).toFixed(1)} s`
        + `${command.bundled ? '' : ' (no esbuild: every child ran under tsx)'}`);
    } finally {
      await fake.close();
      tmp.cleanup();
      if (command.bundled) rmSync(command.bundled[0], { force: true });
    }
  }, 120_000);
});
