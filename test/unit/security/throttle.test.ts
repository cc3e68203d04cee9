// Sign-in throttling: the delays grow with failures up to the cap, and no sequence of failed
// attempts, sequential or made while the rightful user waits, keeps the right password out for
// longer than the cap. The bounded queue refuses work past its size instead of queueing it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createContext } from '../../../core/api/context.js';
import { callApiAsync } from '../../../core/api/index.js';
import { ANONYMOUS_PRINCIPAL } from '../../../core/api/principal.js';
import { hashPassword } from '../../../core/security/passwords.js';
import { AUTH_POLICY } from '../../../core/security/policy.js';
import { delayAfter, waitBeforeCheck } from '../../../core/security/throttle.js';
import { BoundedQueue, BusyError } from '../../../core/security/work-queue.js';
import * as users from '../../../core/store/users-repo.js';
import { memoryDb } from '../../helpers/db.js';

const CAP = AUTH_POLICY.throttle.maxDelaySeconds * 1000;

describe('throttle delays', () => {
  it('are free for the first failures, then double, capped', () => {
    expect(Array.from({ length: 10 }, (_, i) => delayAfter(i + 1, 'login'))).toEqual([0, 0, 0, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(delayAfter(10, 'source')).toBe(0);
    expect(delayAfter(11, 'source')).toBe(1000);
    expect(delayAfter(1_000_000, 'source')).toBe(CAP);
  });

  it('wait at most the cap, whatever the history and the clock say', () => {
    fc.assert(fc.property(
      fc.array(fc.record({ kind: fc.constantFrom('login' as const, 'source' as const), failures: fc.integer({ min: 1, max: 10_000 }), ago: fc.integer({ min: -60_000, max: 3_600_000 }) }), { maxLength: 4 }),
      (states) => {
        const now = new Date('2026-04-01T12:00:00Z');
        const wait = waitBeforeCheck(states.map((s, i) => ({ kind: s.kind, key: `k${i}`, failures: s.failures, last_failure_at: new Date(now.getTime() - s.ago).toISOString() })), now);
        return wait >= 0 && wait <= CAP;
      },
    ));
  });
});

describe('the rightful user under attack (callApiAsync, fake clock)', () => {
  it('gets in after at most the cap, whatever failed before or fails while they wait', async () => {
    const db = memoryDb();
    const t = { now: Date.parse('2026-04-01T08:00:00Z') };
    // Cheap hashes keep the runs fast; a second account stands for the attacker's other targets.
    for (const login of ['admin', 'finance']) {
      users.insertUser(db, { name: login, login, role: 'admin', regions: [], entities: [], password_hash: hashPassword('the right password', { N: 2 ** 10, r: 8, p: 1 }), must_change_password: false, now: new Date(t.now).toISOString() });
    }
    const attacker = (source: string) => createContext(db, {
      principal: ANONYMOUS_PRINCIPAL, source, now: () => new Date(t.now), wait: async (ms) => { t.now += ms; },
    });
    await fc.assert(fc.asyncProperty(
      fc.array(fc.record({ gap: fc.integer({ min: 0, max: 120_000 }), login: fc.constantFrom('admin', 'ADMIN', 'finance'), source: fc.constantFrom('http:127.0.0.1', 'desktop') }), { maxLength: 15 }),
      fc.array(fc.constantFrom('admin', 'finance'), { maxLength: 6 }),
      fc.constantFrom('http:127.0.0.1', 'desktop'),
      async (before, during, userSource) => {
        for (const a of before) {
          t.now += a.gap;
          const r = await callApiAsync(attacker(a.source), 'auth.login', { login: a.login, password: 'a guess' });
          if (r.ok || r.error.code !== 'invalid_credentials') return false;
        }
        // While the user waits for the throttle, the attacker keeps failing on the same login.
        let waited = 0;
        const user = createContext(db, {
          principal: ANONYMOUS_PRINCIPAL, source: userSource, now: () => new Date(t.now),
          wait: async (ms) => {
            waited += ms;
            for (const login of during) await callApiAsync(attacker(userSource), 'auth.login', { login, password: 'a guess' });
            t.now += ms;
          },
        });
        const r = await callApiAsync(user, 'auth.login', { login: 'admin', password: 'the right password' });
        t.now += 3_600_000; // next run: a fresh history
        return r.ok && waited <= CAP;
      },
    ), { numRuns: 20 });
  }, 60_000);
});

describe('the bounded queue', () => {
  it('runs at most `concurrency` tasks, queues `maxWaiting`, and refuses the rest at once', async () => {
    const q = new BoundedQueue({ concurrency: 2, maxWaiting: 1 });
    let running = 0;
    let most = 0;
    const release: (() => void)[] = [];
    const task = () => q.run(() => new Promise<number>((resolve) => {
      running++;
      most = Math.max(most, running);
      release.push(() => { running--; resolve(1); });
    }));
    const admitted = [task(), task(), task()];
    await expect(task()).rejects.toBeInstanceOf(BusyError);
    expect(q.stats()).toMatchObject({ running: 2, waiting: 1, refused: 1 });
    while (release.length > 0 || q.stats().running > 0) {
      release.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    expect(await Promise.all(admitted)).toEqual([1, 1, 1]);
    expect(most).toBe(2);
    expect(q.stats()).toEqual({ running: 0, waiting: 0, completed: 3, refused: 1 });
  });
});
