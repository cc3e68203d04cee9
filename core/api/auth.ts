// Signing in and out, the first setup of a new database, and the demo accounts. Sessions are
// random tokens (only their sha256 is stored) that expire after AUTH_POLICY.sessionHours, or
// sessionIdleMinutes without a call. Both transports resolve a token to its user's principal
// with `authenticateSession` before calling the API (docs/security.md).
import { z } from 'zod';
import { hashPassword, hashPasswordAsync, passwordProblems, verifyPassword, verifyPasswordAsync } from '../security/passwords.js';
import { AUTH_POLICY } from '../security/policy.js';
import * as users from '../store/users-repo.js';
import type { Db } from '../store/db.js';
import { ApiError } from './errors.js';
import { ALL_ROLES, defineHandler, type ApiContext, type SessionInfo } from './handler.js';
import type { Principal, Role } from './principal.js';
import { DEMO_USERS } from '../demo/users.js';
import { identifier } from '../domain/identifier.js';
import { checkSignIn, checkSignInNow, finishSignIn } from './sign-in.js';
import { isEmptyDatabase, readReplicaState } from '../store/replica-repo.js';

/** A user as the API shows it: never the password hash. */
export interface UserView {
  id: string; name: string; login: string; role: Role; regions: string[]; entities: string[];
  disabled: boolean; must_change_password: boolean;
  created_at: string; updated_at: string; last_login_at: string | null;
}

export function userView(u: users.UserRow): UserView {
  return {
    id: u.id, name: u.name, login: u.login, role: u.role, regions: JSON.parse(u.regions_json), entities: JSON.parse(u.entities_json),
    disabled: u.disabled === 1,
    must_change_password: u.must_change_password === 1, created_at: u.created_at, updated_at: u.updated_at, last_login_at: u.last_login_at,
  };
}

export function principalOfUser(u: users.UserRow): Principal {
  return {
    userId: u.id, name: u.name, role: u.role, regions: JSON.parse(u.regions_json), entities: JSON.parse(u.entities_json),
    ...(u.must_change_password === 1 ? { mustChangePassword: true } : {}),
  };
}

export type SessionCheck =
  | { ok: true; principal: Principal; session: SessionInfo }
  | { ok: false; reason: 'unknown' | 'expired' | 'idle' | 'disabled' };

/**
 * Resolves a session token to its user's principal (read from the database on every call, so
 * a role change, a disabled account or a reset password takes effect at once). Ends expired
 * and idle sessions; refreshes `last_seen_at` at most once a minute.
 */
export function authenticateSession(db: Db, token: string, now: Date = new Date()): SessionCheck {
  if (!token || token.length > 200) return { ok: false, reason: 'unknown' };
  const s = users.findSession(db, token);
  if (!s) return { ok: false, reason: 'unknown' };
  const t = now.getTime();
  const end = (reason: 'expired' | 'idle' | 'disabled'): SessionCheck => { users.deleteSession(db, s.id); return { ok: false, reason }; };
  if (Date.parse(s.expires_at) <= t) return end('expired');
  if (Date.parse(s.last_seen_at) + AUTH_POLICY.sessionIdleMinutes * 60_000 <= t) return end('idle');
  if (s.user.disabled === 1) return end('disabled');
  if (Date.parse(s.last_seen_at) + AUTH_POLICY.sessionTouchSeconds * 1000 <= t) users.touchSession(db, s.id, now.toISOString());
  return { ok: true, principal: principalOfUser(s.user), session: { id: s.id, expires_at: s.expires_at } };
}

/** Ends a session by its token (an IPC renderer signing in again replaces its old session). */
export function endSessionByToken(db: Db, token: string): void {
  const s = users.findSession(db, token);
  if (s) users.deleteSession(db, s.id);
}

/** A new login: the identifier schema (NFC, no invisible characters), ASCII letters, digits and . _ @ - */
export const Login = identifier({ trim: true, min: 3, max: 64, pattern: { re: /^[A-Za-z0-9][A-Za-z0-9._@-]*$/, message: 'letters, digits and . _ @ -' } });
/** A login typed at sign-in: any visible text (the rules of new logins are not told to strangers). */
const LoginTyped = identifier({ trim: true, max: 64 });
const Password = z.string().min(1).max(AUTH_POLICY.passwordMaxLength);

export function assertPassword(password: string, user: { login?: string; name?: string }, path = 'password'): void {
  const problems = passwordProblems(password, user);
  if (problems.length > 0) {
    throw new ApiError('weak_password', `the password must have ${problems.join(', ')}`, problems.map((m) => ({ path, code: 'weak_password', message: m })));
  }
}

/**
 * `prepareAsync` and `prepareSync` for a handler that stores a new password: checks it against the
 * policy, then hashes it (off the main thread for the transports). `run` gets the hash.
 */
export function hashingNewPassword<I>(pick: (ctx: ApiContext, input: I) => { password: string; user: { login?: string; name?: string }; path?: string }) {
  const checked = (ctx: ApiContext, input: I) => {
    const p = pick(ctx, input);
    assertPassword(p.password, p.user, p.path);
    return p.password;
  };
  return {
    prepareAsync: (ctx: ApiContext, input: I): Promise<string> => hashPasswordAsync(checked(ctx, input)),
    prepareSync: (ctx: ApiContext, input: I): string => hashPassword(checked(ctx, input)),
  };
}

/** What a successful sign-in or setup returns. Over IPC the main process keeps `token`. */
export interface SignedIn { token: string | null; expires_at: string; user: UserView; must_change_password: boolean }

function openSession(ctx: ApiContext, user: users.UserRow): SignedIn {
  const now = ctx.now();
  users.deleteExpiredSessions(ctx.db, now.toISOString());
  const { token, session } = users.createSession(ctx.db, user.id, now, AUTH_POLICY.sessionHours);
  users.updateUser(ctx.db, user.id, { last_login_at: now.toISOString() });
  const fresh = users.getUser(ctx.db, user.id)!;
  return { token, expires_at: session.expires_at, user: userView(fresh), must_change_password: fresh.must_change_password === 1 };
}

const actorOf = (u: users.UserRow) => ({ id: u.id, name: u.name, role: u.role });
const scopeOf = (u: users.UserRow): string[] => JSON.parse(u.entities_json);

function me(ctx: ApiContext) {
  const p = ctx.principal;
  const row = p.anonymous ? undefined : users.getUser(ctx.db, p.userId);
  return {
    user: row ? userView(row) : p.anonymous ? null : { id: p.userId, name: p.name, login: null, role: p.role, regions: [...p.regions], entities: [...p.entities] },
    scope: { network_wide: ctx.scope.networkWide, entities: ctx.scope.entityList() },
    session: ctx.session ? { expires_at: ctx.session.expires_at } : null,
    demo: ctx.demo,
  };
}

function assertCanSetUp(ctx: ApiContext): void {
  if (ctx.demo) throw new ApiError('demo_database', 'the demo database has its demo accounts; sign in with one of them');
  if (users.countUsers(ctx.db) > 0) throw new ApiError('already_set_up', 'this database already has users; sign in');
}

const wrongCurrentPassword = () =>
  new ApiError('invalid_credentials', 'the current password is wrong', [{ path: 'current_password', code: 'invalid_credentials', message: 'wrong password' }]);

/** The signed-in user changing their password, once the new one passes the policy. */
function changingUser(ctx: ApiContext, input: { current_password: string; new_password: string }): users.UserRow {
  const user = users.getUser(ctx.db, ctx.principal.userId);
  if (!user) throw new ApiError('not_a_user', 'the command-line operator has no password; use `ventil users reset-password`');
  if (input.new_password === input.current_password) {
    throw new ApiError('weak_password', 'choose a password you did not use just now', [{ path: 'new_password', code: 'reused', message: 'same as the current password' }]);
  }
  assertPassword(input.new_password, user, 'new_password');
  return user;
}

/** What the screens before sign-in may say about the installation: a hub, a replica (revoked?), joining. */
function installationSummary(ctx: ApiContext) {
  const i = ctx.installation;
  const state = i.kind === 'hub' ? readReplicaState(ctx.db) : null; // a refused join leaves its reason
  return {
    kind: i.kind,
    hub_url: i.kind === 'hub' ? null : i.hubUrl,
    revoked: i.kind === 'replica' && i.revoked,
    join_error: state?.status === 'joining' && state.last_error_code ? { code: state.last_error_code, message: state.last_error ?? '' } : null,
  };
}

export const authHandlers = {
  'auth.status': defineHandler({
    summary: 'Whether the database needs its first administrator, is the demo, and who is signed in',
    input: z.object({}).strict(),
    roles: ALL_ROLES,
    mutates: false,
    public: true,
    run: (ctx) => {
      const empty = users.countUsers(ctx.db) === 0;
      return {
        // A replica's users come from its hub: it never creates its own first administrator.
        needs_setup: !ctx.demo && empty && ctx.installation.kind === 'hub',
        demo: ctx.demo,
        signed_in: !ctx.principal.anonymous,
        me: ctx.principal.anonymous ? null : me(ctx),
        password_min_length: AUTH_POLICY.passwordMinLength,
        installation: installationSummary(ctx),
        // The first screen offers joining a network and the demo besides becoming a hub.
        can_join: ctx.installation.kind === 'hub' && !ctx.demo && isEmptyDatabase(ctx.db),
      };
    },
  }),

  'auth.setup': defineHandler({
    summary: 'Create the first administrator of a new database and sign in (only while no user exists)',
    input: z.object({ name: z.string().trim().min(1).max(200), login: Login, password: Password }).strict(),
    roles: ALL_ROLES,
    mutates: true,
    public: true,
    // Refused before hashing once set up: an anonymous caller cannot make the server hash for nothing.
    ...hashingNewPassword((ctx, input: { name: string; login: string; password: string }) => {
      assertCanSetUp(ctx);
      return { password: input.password, user: input };
    }),
    run: (ctx, input, passwordHash): SignedIn => {
      assertCanSetUp(ctx);
      const user = users.insertUser(ctx.db, {
        name: input.name, login: input.login, role: 'admin', regions: [], entities: [],
        password_hash: passwordHash, must_change_password: false, now: ctx.now().toISOString(),
      });
      ctx.audit({ actor: actorOf(user), after: userView(user) });
      return openSession(ctx, user);
    },
  }),

  'auth.login': defineHandler({
    summary: `Sign in with login and password; after failures, attempts wait (up to ${AUTH_POLICY.throttle.maxDelaySeconds} s) before being checked`,
    input: z.object({ login: LoginTyped, password: Password }).strict(),
    roles: ALL_ROLES,
    mutates: true,
    public: true,
    // A failed attempt must be counted and audited, not rolled back with the refusal.
    keepWritesOnError: true,
    prepareAsync: checkSignIn,
    prepareSync: checkSignInNow,
    run: (ctx, input, check): SignedIn => openSession(ctx, finishSignIn(ctx, input, check)),
  }),

  'auth.logout': defineHandler({
    summary: 'End the current session',
    input: z.object({}).strict(),
    roles: ALL_ROLES,
    mutates: true,
    run: (ctx) => {
      const ended = ctx.session ? users.deleteSession(ctx.db, ctx.session.id) > 0 : false;
      return { ended };
    },
  }),

  'auth.me': defineHandler({
    summary: 'The signed-in user, their scope (entities they may see; null = all) and session expiry',
    input: z.object({}).strict(),
    roles: ALL_ROLES,
    mutates: false,
    run: (ctx) => me(ctx),
  }),

  'auth.changePassword': defineHandler({
    summary: 'Change one\'s own password (required after a reset); ends one\'s other sessions',
    input: z.object({ current_password: Password, new_password: Password }).strict(),
    roles: ALL_ROLES,
    mutates: true,
    prepareAsync: async (ctx, input) => {
      const user = changingUser(ctx, input);
      if (!(await verifyPasswordAsync(input.current_password, user.password_hash))) throw wrongCurrentPassword();
      return { checked: user.password_hash, next: await hashPasswordAsync(input.new_password) };
    },
    prepareSync: (ctx, input) => {
      const user = changingUser(ctx, input);
      if (!verifyPassword(input.current_password, user.password_hash)) throw wrongCurrentPassword();
      return { checked: user.password_hash, next: hashPassword(input.new_password) };
    },
    run: (ctx, input, hashes) => {
      const user = users.getUser(ctx.db, ctx.principal.userId);
      // Changed by someone else since it was checked: check again.
      if (!user || user.password_hash !== hashes.checked) throw wrongCurrentPassword();
      const at = ctx.now().toISOString();
      users.updateUser(ctx.db, user.id, { password_hash: hashes.next, must_change_password: 0, password_changed_at: at, updated_at: at });
      const ended = users.deleteUserSessions(ctx.db, user.id, ctx.session?.id);
      ctx.audit({ entities: scopeOf(user) });
      return { changed: true, other_sessions_ended: ended };
    },
  }),

  'auth.demoUsers': defineHandler({
    summary: 'The demo accounts and their published passwords (answers only on the demo database)',
    input: z.object({}).strict(),
    roles: ALL_ROLES,
    mutates: false,
    public: true,
    run: (ctx) => {
      if (!ctx.demo) throw new ApiError('not_demo', 'demo accounts exist only on the demo database');
      return DEMO_USERS.map((d) => {
        const row = users.getUserByLogin(ctx.db, d.login);
        return { login: d.login, password: d.password, role: d.role, name: d.name, scope: row ? { regions: JSON.parse(row.regions_json) as string[], entities: JSON.parse(row.entities_json) as string[] } : null };
      });
    },
  }),
};
