// Sign-in under attack, over the real HTTP transport (issue 16, items 1-4), with the run token an
// attacker may hold: no sequence of failed sign-ins keeps the rightful user out for more than a
// short wait; unknown, wrong and throttled logins get the same answer after the same work; the
// server answers other calls while passwords are checked; a failed sign-in is recorded as an
// anonymous attempt naming the login and the source.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createContext } from '../../core/api/context.js';
import { callApi } from '../../core/api/index.js';
import { hashPassword, passwordWork } from '../../core/security/passwords.js';
import { startServer, type RunningServer } from '../../core/server/http.js';
import type { Db } from '../../core/store/db.js';
import * as users from '../../core/store/users-repo.js';
import { memoryDb, readExample } from '../helpers/db.js';
import { inProcessHost } from '../helpers/host.js';
import { createIpcHandler } from '../../electron/ipc-handler.js';

const RUN_TOKEN = 'run-token-of-the-sign-in-attack-test-0123';
const LYON_PASSWORD = 'lyon-password-right';
const ADMIN_PASSWORD = 'admin-password-right';
/** Cheap hashes for the known users keep the test fast; the work per attempt is what is compared. */
const CHEAP = { N: 2 ** 10, r: 8, p: 1 };

interface Env { db: Db; server: RunningServer; waits: number[]; clock: { t: number }; staticDir: string }
const envs: Env[] = [];
afterEach(async () => {
  for (const e of envs.splice(0)) {
    await e.server.close();
    rmSync(e.staticDir, { recursive: true, force: true });
  }
});

/** A database with the example network, a store manager `lyon` and an admin, served over HTTP. */
async function serve(opts: { fakeWait?: boolean } = {}): Promise<Env> {
  const db = memoryDb();
  const clock = { t: Date.parse('2026-04-01T08:00:00Z') };
  const now = () => new Date(clock.t);
  const r = callApi(createContext(db, { now }), 'scenario.import', { scenario: readExample('network-basic.json') });
  if (!r.ok) throw new Error(r.error.message);
  const at = now().toISOString();
  users.insertUser(db, { name: 'Lyon', login: 'lyon', role: 'store_manager', regions: [], entities: ['LYON'], password_hash: hashPassword(LYON_PASSWORD, CHEAP), must_change_password: false, now: at });
  users.insertUser(db, { name: 'Admin', login: 'admin', role: 'admin', regions: [], entities: [], password_hash: hashPassword(ADMIN_PASSWORD, CHEAP), must_change_password: false, now: at });
  const staticDir = mkdtempSync(join(tmpdir(), 'ventil-static-'));
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Ventil</title>');
  const waits: number[] = [];
  // The throttle's waits, on the test's clock: recorded and passed at once.
  const wait = opts.fakeWait === false ? undefined : async (ms: number) => { waits.push(ms); clock.t += ms; };
  const server = await startServer({ db, staticDir, token: RUN_TOKEN, port: 0, now, ...(wait ? { wait } : {}) } as Parameters<typeof startServer>[0]);
  const env = { db, server, waits, clock, staticDir };
  envs.push(env);
  return env;
}

async function post(env: Env, name: string, body: unknown, token = RUN_TOKEN): Promise<{ status: number; body: any }> {
  const res = await fetch(`${env.server.url}/api/${name}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** One sign-in attempt and the wait the throttle imposed on it. */
async function attempt(env: Env, login: string, password: string) {
  const before = env.waits.length;
  const r = await post(env, 'auth.login', { login, password });
  return { ...r, waited: env.waits.slice(before).reduce((s, w) => s + w, 0) };
}

describe('item 1: throttling cannot keep the rightful user out', () => {
  it('lets the right password in after five failures, at once or after a short wait', async () => {
    const env = await serve();
    for (let i = 0; i < 5; i++) expect((await attempt(env, 'lyon', `wrong password ${i}`)).status).toBe(401);
    const right = await attempt(env, 'lyon', LYON_PASSWORD);
    expect(right.body).toMatchObject({ ok: true, value: { user: { login: 'lyon' } } });
    expect(right.waited).toBeLessThanOrEqual(30_000);
  });

  it('lets the right password in after at most 30 s, however many failures came before, from any source', async () => {
    const env = await serve();
    for (let i = 0; i < 12; i++) {
      const r = await attempt(env, i % 2 ? 'lyon' : 'LYON', `wrong password ${i}`);
      expect(r.body.error.code).toBe('invalid_credentials');
      expect(r.waited).toBeLessThanOrEqual(30_000);
    }
    // The delays grew with the failures, up to the cap.
    expect(Math.max(...env.waits)).toBe(30_000);
    const right = await attempt(env, 'lyon', LYON_PASSWORD);
    expect(right.status).toBe(200);
    expect(right.waited).toBeLessThanOrEqual(30_000);
  });

  it('lets an administrator clear a throttle', async () => {
    const env = await serve();
    const admin = await attempt(env, 'admin', ADMIN_PASSWORD);
    const token = admin.body.value.token as string;
    for (let i = 0; i < 8; i++) await attempt(env, 'lyon', `wrong password ${i}`);
    const listed = await post(env, 'users.throttles', {}, token);
    expect(listed.body.value).toContainEqual(expect.objectContaining({ kind: 'login', key: 'lyon', failures: 8 }));
    expect(await post(env, 'users.clearThrottle', { kind: 'login', key: 'lyon' }, token)).toMatchObject({ status: 200, body: { ok: true, value: { cleared: true } } });
    // Only the source's own count is left, below its threshold: no wait at all.
    const right = await attempt(env, 'lyon', LYON_PASSWORD);
    expect(right).toMatchObject({ status: 200, waited: 0 });
  });
});

describe('item 2: no login enumeration', () => {
  it('answers unknown, wrong and throttled logins alike, after the same waits', async () => {
    const env = await serve();
    const run = async (login: string) => {
      const seen: { status: number; body: unknown; waited: number; hashes: number }[] = [];
      // Each login's own failures, from a source with the same history each time.
      for (let i = 0; i < 5; i++) {
        const hashed = passwordWork.stats().completed;
        const r = await attempt(env, login, `wrong password ${i}`);
        seen.push({ ...r, hashes: passwordWork.stats().completed - hashed });
      }
      return seen;
    };
    const known = await run('lyon');
    env.clock.t += 24 * 3_600_000; // the source's failures are forgotten
    const unknown = await run('nobody-here');
    expect(unknown).toEqual(known);
    // One password check each, a real account's or the dummy's.
    expect(known.map((k) => k.hashes)).toEqual([1, 1, 1, 1, 1]);
    expect(known.at(-1)).toEqual({ status: 401, body: { ok: false, error: { code: 'invalid_credentials', message: 'wrong login or password' } }, waited: expect.any(Number), hashes: 1 });
    expect(known.at(-1)!.waited).toBeGreaterThan(0);
  });
});

describe('item 3: password checks off the main thread', () => {
  it('answers a status call while parallel sign-ins of unknown logins are still being checked', async () => {
    const env = await serve({ fakeWait: false });
    const order: string[] = [];
    const signIns = Array.from({ length: 4 }, (_, i) => post(env, 'auth.login', { login: `ghost-${i}`, password: 'guessing a password' })
      .then((r) => { order.push(`sign-in ${r.body.error?.code}`); return r; }));
    // Let the sign-ins reach the server and start hashing, then ask for the status.
    await new Promise((r) => setTimeout(r, 250));
    const status = await post(env, 'auth.status', {}).then((r) => { order.push('status'); return r; });
    expect(status).toMatchObject({ status: 200, body: { ok: true } });
    const results = await Promise.all(signIns);
    expect(results.map((r) => r.body.error.code)).toEqual(Array(4).fill('invalid_credentials'));
    // The status call finished before the sign-ins: hashing did not hold the server.
    expect(order.indexOf('status')).toBeLessThan(order.length - 1);
    expect(order.indexOf('status')).toBe(0);
  }, 30_000);

  it('does the same over IPC, through the database process\'s answering', async () => {
    const env = await serve();
    const ipc = createIpcHandler({ host: inProcessHost(env.db), isTrustedUrl: () => true });
    const event = (id: number) => ({ senderFrame: { url: 'file:///app/index.html', parent: null }, sender: { id } });
    const order: string[] = [];
    const signIns = Array.from({ length: 4 }, (_, i) => ipc.handle(event(i + 1), 'auth.login', { login: `ghost-${i}`, password: 'guessing a password' })
      .then((r) => { order.push('sign-in'); return r; }));
    const status = await ipc.handle(event(9), 'auth.status', {}).then((r) => { order.push('status'); return r; });
    expect(status).toMatchObject({ ok: true });
    expect((await Promise.all(signIns)).map((r) => (r.ok ? 'ok' : r.error.code))).toEqual(Array(4).fill('invalid_credentials'));
    expect(order[0]).toBe('status');
    // The desktop is one source for the throttle.
    expect(env.db.prepare("SELECT failures FROM sign_in_throttles WHERE kind = 'source' AND key = 'desktop'").pluck().get()).toBe(4);
  }, 30_000);
});

describe('item 4: a failed sign-in is an anonymous attempt', () => {
  it('records the login tried and the source, not the targeted user as actor', async () => {
    const env = await serve();
    await attempt(env, 'lyon', 'wrong password!');
    await attempt(env, 'nobody-here', 'wrong password!');
    const rows = env.db.prepare("SELECT actor_id, actor_role, outcome, input_json, after_json FROM audit_log WHERE operation = 'auth.login' ORDER BY seq").all() as Record<string, string>[];
    expect(rows).toHaveLength(2);
    for (const [i, login] of ['lyon', 'nobody-here'].entries()) {
      expect(rows[i]).toMatchObject({ actor_id: 'anonymous', actor_role: 'anonymous', outcome: 'invalid_credentials' });
      expect(JSON.parse(rows[i]!.input_json)).toEqual({ login, password: '[redacted]' });
      expect(JSON.parse(rows[i]!.after_json)).toEqual({ attempt: { login, source: 'http:127.0.0.1' } });
    }
    const lyonId = env.db.prepare("SELECT id FROM users WHERE login = 'lyon'").pluck().get();
    expect(env.db.prepare('SELECT count(*) FROM audit_log WHERE actor_id = ?').pluck().get(lyonId)).toBe(0);
  });
});

describe('the bounded hashing queue', () => {
  it('answers a flood beyond the queue with busy (503) at once, and records nothing for it', async () => {
    const env = await serve();
    const limits = passwordWork.limitsNow;
    passwordWork.configure({ concurrency: 1, maxWaiting: 2 });
    try {
      // Unknown logins: each check costs a full hash, so the flood outlasts its own arrival.
      const flood = await Promise.all(Array.from({ length: 8 }, (_, i) => attempt(env, `ghost-${i}`, 'guessing a password')));
      const codes = flood.map((r) => `${r.status} ${r.body.error.code}`).sort();
      expect(codes.filter((c) => c === '401 invalid_credentials').length).toBeGreaterThanOrEqual(3);
      expect(codes.filter((c) => c === '503 busy').length).toBeGreaterThan(0);
      expect(codes.filter((c) => c !== '401 invalid_credentials' && c !== '503 busy')).toEqual([]);
      const checked = codes.filter((c) => c.startsWith('401')).length;
      expect(env.db.prepare("SELECT count(*) FROM audit_log WHERE operation = 'auth.login'").pluck().get()).toBe(checked);
    } finally {
      passwordWork.configure(limits);
    }
    expect(await attempt(env, 'lyon', LYON_PASSWORD)).toMatchObject({ status: 200 });
  });
});
