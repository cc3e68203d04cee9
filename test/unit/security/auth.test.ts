// Users and sessions: first setup, sign-in with throttling, session expiry, disabled accounts,
// password resets, the last administrator, and the demo accounts.
import { describe, expect, it } from 'vitest';
import { authenticateSession } from '../../../core/api/auth.js';
import { createContext } from '../../../core/api/context.js';
import { callApi } from '../../../core/api/index.js';
import { ANONYMOUS_PRINCIPAL, type Principal } from '../../../core/api/principal.js';
import { seedDemo } from '../../../core/demo/seed.js';
import { DEMO_USERS, ensureDemoUsers } from '../../../core/demo/users.js';
import { AUTH_POLICY } from '../../../core/security/policy.js';
import type { Db } from '../../../core/store/db.js';
import { memoryDb, readExample } from '../../helpers/db.js';

function clock(start = '2026-04-01T08:00:00Z') {
  let t = Date.parse(start);
  return { now: () => new Date(t), advance: (minutes: number) => { t += minutes * 60_000; } };
}

function setUp() {
  const db = memoryDb();
  const c = clock();
  const as = (principal: Principal = ANONYMOUS_PRINCIPAL, session: { id: string; expires_at: string } | null = null) => createContext(db, { principal, session, now: c.now });
  const system = createContext(db, { now: c.now });
  const r = callApi(system, 'scenario.import', { scenario: readExample('network-basic.json') });
  if (!r.ok) throw new Error(r.error.message);
  return { db, c, as, system };
}

function signIn(db: Db, as: ReturnType<typeof setUp>['as'], now: () => Date, login: string, password: string) {
  const r = callApi(as(), 'auth.login', { login, password });
  if (!r.ok) return r;
  const s = authenticateSession(db, (r.value as { token: string }).token, now());
  if (!s.ok) throw new Error(s.reason);
  return { ...r, ctx: as(s.principal, s.session), token: (r.value as { token: string }).token };
}

describe('first setup', () => {
  it('creates the first administrator once, with a strong password, and signs them in', () => {
    const { as, db, c } = setUp();
    expect(callApi(as(), 'auth.status', {})).toMatchObject({ ok: true, value: { needs_setup: true, demo: false, signed_in: false } });
    expect(callApi(as(), 'auth.setup', { name: 'Head', login: 'head', password: 'short' })).toMatchObject({ ok: false, error: { code: 'weak_password', issues: [{ path: 'password' }] } });
    const r = callApi(as(), 'auth.setup', { name: 'Head', login: 'head', password: 'a long enough passphrase' });
    expect(r).toMatchObject({ ok: true, value: { user: { role: 'admin', login: 'head' }, must_change_password: false } });
    const s = authenticateSession(db, (r as { value: { token: string } }).value.token, c.now());
    expect(s).toMatchObject({ ok: true, principal: { role: 'admin' } });
    expect(callApi(as(), 'auth.status', {})).toMatchObject({ ok: true, value: { needs_setup: false } });
    expect(callApi(as(), 'auth.setup', { name: 'Intruder', login: 'intruder', password: 'a long enough passphrase' })).toMatchObject({ ok: false, error: { code: 'already_set_up' } });
  });

  it('stores no password in clear, in the users table or the audit trail', () => {
    const { as, db } = setUp();
    callApi(as(), 'auth.setup', { name: 'Head', login: 'head', password: 'unique-passphrase-4711' });
    const dump = JSON.stringify([db.prepare('SELECT * FROM users').all(), db.prepare('SELECT * FROM audit_log').all(), db.prepare('SELECT * FROM sessions').all()]);
    expect(dump).not.toContain('unique-passphrase-4711');
    expect(dump).toContain('[redacted]');
  });
});

describe('sign-in', () => {
  function withUser() {
    const env = setUp();
    const r = callApi(env.system, 'users.create', { name: 'Lyon', login: 'lyon', role: 'store_manager', entities: ['LYON'], password: 'lyon-password-1', must_change_password: false });
    if (!r.ok) throw new Error(r.error.message);
    return env;
  }

  it('counts failures per login and per source without ever locking the account', () => {
    const { as, db, c } = withUser();
    for (let i = 0; i < 8; i++) expect(callApi(as(), 'auth.login', { login: i % 2 ? 'lyon' : 'Lyon', password: 'wrong password!' })).toMatchObject({ ok: false, error: { code: 'invalid_credentials' } });
    const throttles = () => db.prepare('SELECT kind, key, failures FROM sign_in_throttles ORDER BY kind').all();
    expect(throttles()).toEqual([{ kind: 'login', key: 'lyon', failures: 8 }, { kind: 'source', key: 'local', failures: 8 }]);
    // The right password still opens the account, and clears the login's count (not the source's).
    expect(signIn(db, as, c.now, 'lyon', 'lyon-password-1')).toMatchObject({ ok: true });
    expect(throttles()).toEqual([{ kind: 'source', key: 'local', failures: 8 }]);
    // Failures are forgotten after the window.
    c.advance(AUTH_POLICY.throttle.forgetAfterMinutes + 1);
    callApi(as(), 'auth.login', { login: 'lyon', password: 'wrong password!' });
    expect(throttles()).toEqual([{ kind: 'login', key: 'lyon', failures: 1 }, { kind: 'source', key: 'local', failures: 1 }]);
    const outcomes = db.prepare("SELECT outcome FROM audit_log WHERE operation = 'auth.login'").pluck().all();
    expect(outcomes).toEqual([...Array(8).fill('invalid_credentials'), 'ok', 'invalid_credentials']);
  });

  it('resets the failure count on success, and answers an unknown login like a wrong password', () => {
    const { as, db, c } = withUser();
    for (let i = 0; i < 4; i++) callApi(as(), 'auth.login', { login: 'lyon', password: 'wrong password!' });
    expect(signIn(db, as, c.now, 'lyon', 'lyon-password-1')).toMatchObject({ ok: true });
    for (let i = 0; i < 4; i++) expect(callApi(as(), 'auth.login', { login: 'lyon', password: 'wrong password!' })).toMatchObject({ error: { code: 'invalid_credentials' } });
    expect(callApi(as(), 'auth.login', { login: 'nobody', password: 'wrong password!' })).toEqual({ ok: false, error: { code: 'invalid_credentials', message: 'wrong login or password' } });
  });

  it('ends sessions at expiry and when idle', () => {
    const { as, db, c } = withUser();
    const a = signIn(db, as, c.now, 'lyon', 'lyon-password-1') as { token: string };
    c.advance(AUTH_POLICY.sessionIdleMinutes - 1);
    expect(authenticateSession(db, a.token, c.now())).toMatchObject({ ok: true });
    c.advance(AUTH_POLICY.sessionIdleMinutes - 1); // the previous check refreshed last_seen
    expect(authenticateSession(db, a.token, c.now())).toMatchObject({ ok: true });
    c.advance(AUTH_POLICY.sessionIdleMinutes + 1);
    expect(authenticateSession(db, a.token, c.now())).toEqual({ ok: false, reason: 'idle' });
    expect(authenticateSession(db, a.token, c.now())).toEqual({ ok: false, reason: 'unknown' });
    const b = signIn(db, as, c.now, 'lyon', 'lyon-password-1') as { token: string };
    for (let h = 0; h < AUTH_POLICY.sessionHours * 2; h++) {
      c.advance(30);
      const s = authenticateSession(db, b.token, c.now());
      if (!s.ok) { expect(s.reason).toBe('expired'); expect(h).toBe(AUTH_POLICY.sessionHours * 2 - 1); return; }
    }
    throw new Error('the session never expired');
  });

  it('refuses a disabled account and ends its sessions; an admin cannot disable the last admin', () => {
    const { as, db, c, system } = withUser();
    const lyon = signIn(db, as, c.now, 'lyon', 'lyon-password-1') as { token: string; value: { user: { id: string } } };
    expect(callApi(system, 'users.disable', { id: lyon.value.user.id })).toMatchObject({ ok: true, value: { sessions_ended: 1 } });
    expect(authenticateSession(db, lyon.token, c.now())).toEqual({ ok: false, reason: 'unknown' });
    expect(callApi(as(), 'auth.login', { login: 'lyon', password: 'lyon-password-1' })).toMatchObject({ error: { code: 'account_disabled' } });
    expect(callApi(as(), 'auth.login', { login: 'lyon', password: 'wrong password!' })).toMatchObject({ error: { code: 'invalid_credentials' } });

    const admin = callApi(system, 'users.create', { name: 'Admin', login: 'admin1', role: 'admin', password: 'admin-password-1', must_change_password: false }) as { value: { id: string } };
    const me = signIn(db, as, c.now, 'admin1', 'admin-password-1') as { ctx: ReturnType<typeof as> };
    expect(callApi(me.ctx, 'users.disable', { id: admin.value.id })).toMatchObject({ error: { code: 'cannot_disable_self' } });
    expect(callApi(system, 'users.disable', { id: admin.value.id })).toMatchObject({ error: { code: 'last_admin' } });
    expect(callApi(system, 'users.update', { id: admin.value.id, role: 'finance' })).toMatchObject({ error: { code: 'last_admin' } });
  });

  it('makes a reset password temporary: only auth.* until the user chooses a new one', () => {
    const { as, db, c, system } = withUser();
    const id = (callApi(system, 'users.list', {}) as { value: { id: string; login: string }[] }).value.find((u) => u.login === 'lyon')!.id;
    const old = signIn(db, as, c.now, 'lyon', 'lyon-password-1') as { token: string };
    expect(callApi(system, 'users.resetPassword', { id, password: 'temporary-password' })).toMatchObject({ ok: true, value: { sessions_ended: 1 } });
    expect(authenticateSession(db, old.token, c.now())).toMatchObject({ ok: false });
    const s = signIn(db, as, c.now, 'lyon', 'temporary-password') as { ctx: ReturnType<typeof as>; value: { must_change_password: boolean } };
    expect(s.value.must_change_password).toBe(true);
    expect(callApi(s.ctx, 'orders.list', {})).toMatchObject({ error: { code: 'password_change_required' } });
    expect(callApi(s.ctx, 'auth.changePassword', { current_password: 'temporary-password', new_password: 'short' })).toMatchObject({ error: { code: 'weak_password' } });
    expect(callApi(s.ctx, 'auth.changePassword', { current_password: 'temporary-password', new_password: 'my own new password' })).toMatchObject({ ok: true });
    const again = signIn(db, as, c.now, 'lyon', 'my own new password') as { ctx: ReturnType<typeof as> };
    expect(callApi(again.ctx, 'orders.list', {})).toMatchObject({ ok: true });
  });

  it('checks that a scope fits the role and names what exists', () => {
    const { system } = setUp();
    const base = { name: 'X', login: 'x-user', password: 'x-password-long' };
    expect(callApi(system, 'users.create', { ...base, role: 'store_manager' })).toMatchObject({ error: { code: 'invalid_scope', issues: [{ path: 'entities', code: 'scope_required' }] } });
    expect(callApi(system, 'users.create', { ...base, role: 'store_manager', entities: ['NOPE'] })).toMatchObject({ error: { issues: [{ path: 'entities[0]', code: 'unknown_reference' }] } });
    expect(callApi(system, 'users.create', { ...base, role: 'controller', regions: ['MARS'] })).toMatchObject({ error: { issues: [{ path: 'regions[0]' }] } });
    expect(callApi(system, 'users.create', { ...base, role: 'finance', entities: ['LYON'] })).toMatchObject({ error: { issues: [{ code: 'scope_mismatch' }] } });
    expect(callApi(system, 'users.create', { ...base, role: 'controller', regions: ['AURA'] })).toMatchObject({ ok: true, value: { regions: ['AURA'], must_change_password: true } });
    expect(callApi(system, 'users.create', { ...base, role: 'auditor' })).toMatchObject({ error: { code: 'duplicate_login' } });
  });
});

describe('the demo database', () => {
  it('has one account per role with the published passwords, listed only there', () => {
    const db = memoryDb();
    const c = clock();
    const system = createContext(db, { now: c.now });
    const anon = () => createContext(db, { principal: ANONYMOUS_PRINCIPAL, now: c.now });
    expect(callApi(anon(), 'auth.demoUsers', {})).toMatchObject({ ok: false, error: { code: 'not_demo' } });
    seedDemo(system);
    expect(ensureDemoUsers(db, c.now())).toEqual(DEMO_USERS.map((d) => d.login));
    expect(ensureDemoUsers(db, c.now())).toEqual([]);
    expect(callApi(anon(), 'auth.status', {})).toMatchObject({ ok: true, value: { needs_setup: false, demo: true } });
    const listed = callApi(anon(), 'auth.demoUsers', {}) as { ok: true; value: { login: string; password: string; role: string; scope: { regions: string[]; entities: string[] } }[] };
    expect(listed.value.map((u) => u.role)).toEqual(['admin', 'finance', 'controller', 'store_manager', 'auditor']);
    for (const u of listed.value) {
      const r = callApi(anon(), 'auth.login', { login: u.login, password: u.password });
      expect(r, u.login).toMatchObject({ ok: true, value: { user: { role: u.role } } });
    }
    const store = listed.value.find((u) => u.role === 'store_manager')!;
    const controller = listed.value.find((u) => u.role === 'controller')!;
    expect(store.scope.entities).toHaveLength(1);
    const region = db.prepare('SELECT region FROM entities WHERE id = ?').pluck().get(store.scope.entities[0]);
    expect(controller.scope.regions).toEqual([region]);
    expect(callApi(anon(), 'auth.setup', { name: 'X', login: 'x-admin', password: 'x-password-long' })).toMatchObject({ error: { code: 'demo_database' } });
  });

  it('creates no demo account on a real database', () => {
    const { db } = setUp();
    expect(ensureDemoUsers(db)).toEqual([]);
    expect(db.prepare('SELECT count(*) FROM users').pluck().get()).toBe(0);
  });
});
