// Killing the runner during a PSP call (issue 16, item 9). The fault test of `ventil sync`
// (sync-faults.test.ts) kills at random moments, and a kill rarely found a call in flight. Here
// the fake Stripe holds a call open, before applying it or after, and the test SIGKILLs the
// runner while it waits for the answer, twenty times, checking each time that the outbox row
// really was in flight. A last runner then finishes. Every transfer must exist exactly once at
// the fake, for the amount enqueued, and every row must be sent.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../core/store/database.js';
import { enqueue } from '../../core/sync/outbox.js';
import { transferKey } from '../../core/sync/payloads.js';
import { FakeStripe } from '../fakes/fake-stripe.js';
import { tempDir } from '../helpers/db.js';
import { childCommand, countOpen, killRunners, startRunner } from '../helpers/sync-runner.js';

const KILLS = 20;
const TRANSFERS = 24;
const RUN = 'RUN-KILL-1';

afterAll(killRunners);

describe('killing the outbox runner during a PSP call (child processes, fake Stripe)', () => {
  it(`applies each of ${TRANSFERS} transfers exactly once through ${KILLS} kills during held calls`, async () => {
    const started = Date.now();
    const tmp = tempDir('ventil-kill-in-flight-');
    const dbFile = join(tmp.dir, 'ventil.db');
    const expected = new Map<string, number>();
    const { db } = openDatabase({ file: dbFile });
    db.transaction(() => {
      for (let i = 1; i <= TRANSFERS; i++) {
        const entity = `K${String(i).padStart(3, '0')}`;
        const key = transferKey(RUN, entity, 'EUR');
        const amount = 1_000 * i + 7;
        enqueue(db, { kind: 'psp.transfer', idempotencyKey: key, payload: { entity, destination: `acct_${entity.toLowerCase()}`, currency: 'EUR', amount, release_run: RUN, orders: [{ order: `O-${i}`, amount }] } });
        expected.set(key, amount);
      }
    })();
    const inFlight = (key: string) => db.prepare('SELECT status FROM outbox WHERE idempotency_key = ?').pluck().get(key);

    let onHold: ((info: { key: string | null; applied: boolean }) => void) | null = null;
    const fake = await FakeStripe.start({ seed: 9, hangMs: 20_000, lifetimeMs: 120_000, onHold: (info) => onHold?.(info) });
    const command = await childCommand();
    const held: { key: string; applied: boolean; status: unknown }[] = [];
    try {
      for (let i = 0; i < KILLS; i++) {
        // The runner's first call is held open: after the fake applied it (even kills) or before.
        fake.scriptFaults(i % 2 === 0 ? 'hang_after' : 'hang_before');
        const r = startRunner(command.bundled ?? command.source, dbFile, fake.url, ['--timeout', '15000']);
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no call was held within 20 s: ${r.err()}`)), 20_000);
          onHold = (info) => {
            onHold = null;
            clearTimeout(timer);
            // The row is in flight in Ventil while the PSP holds the call.
            held.push({ key: info.key ?? '', applied: info.applied, status: inFlight(info.key ?? '') });
            r.child.kill('SIGKILL');
            resolve();
          };
        });
        expect((await r.exited).signal).toBe('SIGKILL');
      }
      const killPhase = Date.now() - started;
      expect(held).toHaveLength(KILLS);
      expect(held.filter((h) => h.status !== 'in_flight')).toEqual([]);
      expect(held.filter((h) => h.applied)).toHaveLength(KILLS / 2);
      expect(new Set(held.map((h) => h.key)).size).toBe(KILLS);

      // A last runner finishes, the PSP answering normally.
      const last = startRunner(command.source, dbFile, fake.url);
      await last.ready;
      const deadline = Date.now() + 30_000;
      while (countOpen(dbFile).open > 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
      last.child.kill('SIGTERM');
      expect(await last.exited, last.err()).toEqual({ code: 0, signal: null });

      // Exactly once at the PSP, for the amount enqueued; every row sent in Ventil.
      const byKey = fake.transfersByKey();
      for (const [key, amount] of expected) {
        expect(byKey.get(key)?.map((t) => t.amount), key).toEqual([amount]);
      }
      expect(fake.transfers.size).toBe(TRANSFERS);
      const rows = db.prepare('SELECT status, COUNT(*) AS n FROM outbox GROUP BY status').all();
      expect(rows).toEqual([{ status: 'sent', n: TRANSFERS }]);
      expect(db.prepare("SELECT COUNT(*) FROM outbox_attempts WHERE outcome = 'interrupted'").pluck().get()).toBe(KILLS);
      // The calls applied before their runner died were answered from the PSP's idempotency record.
      const replays = fake.requests.filter((q) => held.some((h) => h.applied && h.key === q.key)).length;
      expect(replays).toBeGreaterThanOrEqual(KILLS);
      console.log(`sync-kill-in-flight: ${KILLS} kills during held calls (${KILLS / 2} after the PSP applied them), ${fake.requests.length} requests, kills ${(killPhase / 1000).toFixed(1)} s, total ${((Date.now() - started) / 1000).toFixed(1)} s${command.bundled ? '' : ' (no esbuild: every child ran under tsx)'}`);
    } finally {
      db.close();
      await fake.close();
      tmp.cleanup();
      if (command.bundled) rmSync(command.bundled[0]!, { force: true });
    }
  }, 120_000);
});
