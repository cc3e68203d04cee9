// docs/spec.md invariant 7: a user sees and changes only the entities in their scope, in every API
// handler, on both transports. Each handler of core/api/index.ts is called as each role with
// an input naming data outside that role's scope (cases in scope-cases.ts); a handler without
// a case fails here. Then the same refusals over HTTP (core/server/http.ts) and IPC.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../core/api/errors.js';
import { callApi, handlers as table } from '../../core/api/index.js';
import type { Handler } from '../../core/api/handler.js';
import { ANONYMOUS_PRINCIPAL, ROLES, Scope, type Principal, type Role } from '../../core/api/principal.js';
import { startServer, type RunningServer } from '../../core/server/http.js';
import { createIpcHandler, type IpcEventLike } from '../../electron/ipc-handler.js';
import { inProcessHost } from '../helpers/host.js';
import { scopeCases, type CheckTools, type ScopeCase } from './scope-cases.js';
import { buildScopeFixture, PASSWORD, type ScopeFixture } from './scope-fixture.js';

const SCOPED: ReadonlySet<Role> = new Set(['controller', 'store_manager']);
// Looked up by name as the transports do: any string.
const handlers: Readonly<Record<string, Handler>> = table;
const handlerNames = Object.keys(handlers).sort();

let f: ScopeFixture;
beforeAll(() => { f = buildScopeFixture(); });

/** Calls inside a transaction that is rolled back: every case sees the same fixture. */
function isolated(principal: Principal, session: ScopeFixture['users'][Role]['session'] | null, name: string, input: unknown): Result<any> {
  f.db.exec('BEGIN');
  try {
    return callApi(f.context(principal, session), name, input);
  } finally {
    f.db.exec('ROLLBACK');
  }
}

function tools(role: Role | 'anonymous', principal: Principal): CheckTools {
  const scope = new Scope(principal, f.db);
  const all = f.db.prepare('SELECT id FROM entities').pluck().all() as string[];
  const outside = new Set(scope.networkWide ? [] : all.filter((e) => !scope.canSee(e)));
  return {
    f, role, principal, outside,
    inScope: (entities, where) => scope.networkWide ? [] : [...entities]
      .filter((e): e is string => e !== null && e !== undefined && !scope.canSee(e))
      .map((e) => `${where}: ${e} is outside the scope of ${role}`),
  };
}

const casesOf = (name: string): ScopeCase[] => {
  const c = scopeCases[name];
  return c === undefined ? [] : Array.isArray(c) ? c : [c];
};

describe('scope cases cover the API', () => {
  it.each(handlerNames)('%s has a scope case', (name) => {
    if (!Object.hasOwn(scopeCases, name)) {
      throw new Error(`the API operation ${name} has no scope case: add one to test/integration/scope-cases.ts ` +
        '(see the comment at its top: which input names data outside a store manager\'s or controller\'s scope, and what they must get)');
    }
  });

  it('names no operation that does not exist', () => {
    expect(Object.keys(scopeCases).filter((n) => !Object.hasOwn(handlers, n))).toEqual([]);
  });

  it('lets no read-only auditor call an operation that changes data (but their own session and password)', () => {
    const own = new Set(['auth.login', 'auth.logout', 'auth.setup', 'auth.changePassword']);
    expect(handlerNames.filter((n) => handlers[n]!.mutates && handlers[n]!.roles.includes('auditor') && !own.has(n))).toEqual([]);
  });

  it('marks public exactly the sign-in operations, the first-start choices and a device\'s enrolment', () => {
    expect(handlerNames.filter((n) => handlers[n]!.public)).toEqual(['auth.demoUsers', 'auth.login', 'auth.setup', 'auth.status', 'replication.enroll', 'setup.demo', 'setup.join']);
    expect(handlerNames.filter((n) => handlers[n]!.open)).toEqual(['replication.enroll']);
  });

  it('keeps the device operations to devices', () => {
    expect(handlerNames.filter((n) => handlers[n]!.device)).toEqual(['replication.pull', 'replication.push']);
    for (const n of handlerNames.filter((x) => handlers[x]!.device)) expect(casesOf(n).map((c) => c.kind), n).toEqual(['device']);
  });
});

describe.each(handlerNames)('%s', (name) => {
  const handler = handlers[name]!;
  it.each(ROLES)('as %s', (role) => {
    const cases = casesOf(name);
    if (cases.length === 0) return; // reported above with the instruction
    const user = f.users[role];
    const t = tools(role, user.principal);
    for (const [i, c] of cases.entries()) {
      const label = `${name} case ${i} (${c.kind}) as ${role}`;
      const r = isolated(user.principal, user.session, name, c.input(f));
      if (c.kind === 'device') {
        expect(r.ok ? 'ok' : r.error.code, `${label}: only a device may call it`).toBe('forbidden');
        continue;
      }
      const allowed = handler.public || handler.roles.includes(role);
      if (c.kind === 'public') {
        expect(handler.public, `${label}: a public case needs a public handler`).toBe(true);
        expect(c.check(r, t), label).toEqual([]);
        continue;
      }
      if (!allowed) {
        expect(r.ok ? 'ok' : r.error.code, `${label}: the role may not call it`).toBe('forbidden');
        continue;
      }
      if (c.kind === 'forbidden') {
        if (SCOPED.has(role)) {
          expect(r.ok ? 'ok' : r.error.code, `${label}: data outside the scope must be refused`).toBe('forbidden');
        } else if ((c.headOffice ?? 'ok') === 'ok') {
          expect(r.ok ? 'ok' : `${r.error.code}: ${r.error.message}`, `${label}: head office must get the data`).toBe('ok');
        } else {
          expect(r.ok ? 'ok' : r.error.code, label).not.toMatch(/^(forbidden|invalid_input)$/);
        }
      } else if (c.kind === 'visible') {
        expect(r.ok ? 'ok' : `${r.error.code}: ${r.error.message}`, label).toBe('ok');
        if (r.ok) expect(c.check(r.value, t), label).toEqual([]);
      } else {
        expect(r.ok ? 'ok' : r.error.code, label).not.toBe('forbidden');
        if (c.check) expect(c.check(r, t), label).toEqual([]);
      }
    }
  });

  if (handler.public) {
    it('anonymously', () => {
      for (const c of casesOf(name)) {
        if (c.kind !== 'public') continue;
        const r = isolated(ANONYMOUS_PRINCIPAL, null, name, c.input(f));
        expect(r.ok ? 'ok' : r.error.code).not.toBe('unauthenticated');
        expect(c.check(r, tools('anonymous', ANONYMOUS_PRINCIPAL))).toEqual([]);
      }
    });
  } else {
    it('refuses a caller without a session', () => {
      const c = casesOf(name)[0];
      const r = isolated(ANONYMOUS_PRINCIPAL, null, name, c ? c.input(f) : {});
      expect(r.ok ? 'ok' : r.error.code).toBe('unauthenticated');
    });
  }
});

// ---- The transports -------------------------------------------------------------------------

describe('HTTP transport', () => {
  let server: RunningServer;
  let staticDir: string;
  const runToken = 'run-token-for-the-scope-test-0123456789';
  beforeAll(async () => {
    staticDir = mkdtempSync(join(tmpdir(), 'ventil-static-'));
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Ventil</title>');
    server = await startServer({ db: f.db, staticDir, token: runToken, host: '127.0.0.1', port: 0, now: () => f.now });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(staticDir, { recursive: true, force: true });
  });

  const post = (name: string, body: unknown, headers: Record<string, string> = {}) => fetch(`${server.url}/api/${name}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body),
  }).then(async (res) => ({ status: res.status, body: await res.json() as Result<any> }));
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  it('binds the loopback interface', () => {
    expect(new URL(server.url).hostname).toBe('127.0.0.1');
  });

  it('refuses a call without a token, and with a made-up one', async () => {
    expect((await post('network.summary', {})).status).toBe(401);
    expect((await post('network.summary', {}, bearer('x'.repeat(43)))).status).toBe(401);
  });

  it('gives the run token the sign-in operations only', async () => {
    const status = await post('auth.status', {}, bearer(runToken));
    expect(status).toMatchObject({ status: 200, body: { ok: true, value: { needs_setup: false, signed_in: false } } });
    expect(await post('network.summary', {}, bearer(runToken))).toMatchObject({ status: 401, body: { ok: false, error: { code: 'unauthenticated' } } });
    expect(await post('orders.get', { id: f.otherOrder.id }, bearer(runToken))).toMatchObject({ status: 401 });
  });

  it('signs a store manager in, and refuses them another entity\'s data', async () => {
    const login = await post('auth.login', { login: f.users.store_manager.login, password: PASSWORD }, bearer(runToken));
    expect(login).toMatchObject({ status: 200, body: { ok: true } });
    const token = (login.body as { ok: true; value: { token: string } }).value.token;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await post('auth.me', {}, bearer(token))).toMatchObject({ status: 200, body: { ok: true, value: { user: { role: 'store_manager', entities: [f.ownEntity] } } } });
    expect(await post('orders.get', { id: f.otherOrder.id }, bearer(token))).toMatchObject({ status: 403, body: { ok: false, error: { code: 'forbidden' } } });
    expect(await post('dashboard.entity', { entity: f.otherEntity }, bearer(token))).toMatchObject({ status: 403 });
    expect(await post('audit.list', { entity: f.otherEntity }, bearer(token))).toMatchObject({ status: 403 });
    expect(await post('users.list', {}, bearer(token))).toMatchObject({ status: 403 });
    expect(await post('orders.get', { id: f.ownOrder.id }, bearer(token))).toMatchObject({ status: 200, body: { ok: true } });
    // After sign-out the token is dead.
    expect(await post('auth.logout', {}, bearer(token))).toMatchObject({ status: 200, body: { ok: true, value: { ended: true } } });
    expect((await post('auth.me', {}, bearer(token))).status).toBe(401);
  });

  it('refuses cross-origin requests and foreign Host names', async () => {
    expect((await post('auth.status', {}, { ...bearer(runToken), Origin: 'http://evil.example' })).status).toBe(403);
    expect((await post('auth.status', {}, { ...bearer(runToken), 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
    const rebinding = await new Promise<number>((resolve, reject) => {
      // fetch does not let a page set Host; a raw request does what DNS rebinding would.
      import('node:http').then(({ request }) => {
        const url = new URL(server.url);
        const req = request({ host: url.hostname, port: url.port, path: '/api/auth.status', method: 'POST', headers: { Host: 'evil.example', 'Content-Type': 'application/json', ...bearer(runToken) } }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
        req.on('error', reject);
        req.end('{}');
      }, reject);
    });
    expect(rebinding).toBe(421);
  });
});

describe('IPC transport', () => {
  const trusted = 'file:///app/out/renderer/index.html';
  const event = (id: number, url = trusted, parent: unknown = null): IpcEventLike => ({ senderFrame: { url, parent }, sender: { id, once: () => undefined } });
  const ipcHandler = () => createIpcHandler({ host: inProcessHost(f.db, () => f.now), isTrustedUrl: (u) => u.startsWith('file:///app/out/renderer/') });

  it('refuses a renderer that is not signed in, and an untrusted frame', async () => {
    const ipc = ipcHandler();
    expect(await ipc.handle(event(1), 'orders.list', {})).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
    expect(await ipc.handle(event(1), 'auth.status', {})).toMatchObject({ ok: true, value: { signed_in: false } });
    expect(await ipc.handle(event(1, 'https://evil.example/'), 'auth.status', {})).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await ipc.handle(event(1, trusted, {}), 'auth.status', {})).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('keeps the session in the main process and refuses a store manager another entity\'s data', async () => {
    const ipc = ipcHandler();
    const login = await ipc.handle(event(7), 'auth.login', { login: f.users.store_manager.login, password: PASSWORD });
    expect(login).toMatchObject({ ok: true, value: { token: null, user: { role: 'store_manager' } } });
    expect(ipc.signedIn(7)).toBe(true);
    expect(await ipc.handle(event(7), 'auth.me', {})).toMatchObject({ ok: true, value: { user: { entities: [f.ownEntity] } } });
    expect(await ipc.handle(event(7), 'orders.get', { id: f.otherOrder.id })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await ipc.handle(event(7), 'dashboard.entity', { entity: f.otherEntity })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await ipc.handle(event(7), 'orders.get', { id: f.ownOrder.id })).toMatchObject({ ok: true });
    // Another window of the same app is not signed in by this one.
    expect(await ipc.handle(event(8), 'orders.get', { id: f.ownOrder.id })).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
    expect(await ipc.handle(event(7), 'auth.logout', {})).toMatchObject({ ok: true, value: { ended: true } });
    expect(await ipc.handle(event(7), 'orders.get', { id: f.ownOrder.id })).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
  });
});
