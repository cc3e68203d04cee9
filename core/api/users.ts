// User administration (head-office administrator only): list, create, change role and scope,
// reset a password, disable. The last enabled administrator can be neither demoted nor
// disabled, so a database never loses its way in. Changes take effect on the user's next call
// (principals are read from the database on every call); disabling or resetting ends sessions.
import { z } from 'zod';
import { forgottenBefore, loginThrottleKey, nextAttemptAt } from '../security/throttle.js';
import { clearThrottle, listThrottles } from '../store/throttle-repo.js';
import * as users from '../store/users-repo.js';
import { entityIds, regionsInUse } from '../store/network-repo.js';
import type { Db } from '../store/db.js';
import { ApiError, notFound, type Issue } from './errors.js';
import { ADMIN_ONLY, defineHandler } from './handler.js';
import { ROLES, type Role } from './principal.js';
import { Login, hashingNewPassword, userView } from './auth.js';
import { Code, ExternalId, GroupName } from '../domain/identifier.js';

const RoleInput = z.enum(ROLES);
const Regions = z.array(GroupName).max(500);
const Entities = z.array(Code).max(500);

/** Checks that the scope fits the role and names what exists; returns the scope to store. */
function checkScope(db: Db, role: Role, regions: readonly string[], entities: readonly string[]): { regions: string[]; entities: string[] } {
  const issues: Issue[] = [];
  const uniq = (l: readonly string[]) => [...new Set(l)].sort();
  if (role === 'controller') {
    if (regions.length === 0) issues.push({ path: 'regions', code: 'scope_required', message: 'a regional controller covers at least one region' });
    if (entities.length > 0) issues.push({ path: 'entities', code: 'scope_mismatch', message: 'a controller\'s scope is given by regions' });
    const known = new Set(regionsInUse(db));
    regions.forEach((r, i) => { if (!known.has(r)) issues.push({ path: `regions[${i}]`, code: 'unknown_reference', message: `no entity is in region ${JSON.stringify(r)}` }); });
  } else if (role === 'store_manager') {
    if (entities.length === 0) issues.push({ path: 'entities', code: 'scope_required', message: 'a store manager runs at least one entity' });
    if (regions.length > 0) issues.push({ path: 'regions', code: 'scope_mismatch', message: 'a store manager\'s scope is given by entities' });
    const known = new Set(entityIds(db));
    entities.forEach((e, i) => { if (!known.has(e)) issues.push({ path: `entities[${i}]`, code: 'unknown_reference', message: `no entity ${JSON.stringify(e)}` }); });
  } else if (regions.length > 0 || entities.length > 0) {
    issues.push({ path: regions.length > 0 ? 'regions' : 'entities', code: 'scope_mismatch', message: `the role ${role} sees the whole network; give no regions or entities` });
  }
  if (issues.length > 0) throw new ApiError('invalid_scope', `the scope does not fit the role ${role}`, issues);
  return { regions: uniq(regions), entities: uniq(entities) };
}

/** Entities a user's scope names, for the audit row (who may read it). */
function auditEntities(u: users.UserRow): string[] {
  return JSON.parse(u.entities_json) as string[];
}

function load(db: Db, id: string): users.UserRow {
  const u = users.getUser(db, id);
  if (!u) throw notFound('user', id);
  return u;
}

function assertNotLastAdmin(db: Db, u: users.UserRow, what: string) {
  if (u.role === 'admin' && u.disabled === 0 && users.countOtherAdmins(db, u.id) === 0) {
    throw new ApiError('last_admin', `${what} would leave no enabled administrator`);
  }
}

export const usersHandlers = {
  'users.list': defineHandler({
    summary: 'Every user with role, scope and sign-in state (never password hashes)',
    input: z.object({ include_disabled: z.boolean().default(true) }).strict(),
    roles: ADMIN_ONLY,
    mutates: false,
    run: (ctx, input) => users.listUsers(ctx.db).filter((u) => input.include_disabled || u.disabled === 0).map(userView),
  }),

  'users.create': defineHandler({
    summary: 'Create a user with a role, a scope (regions for a controller, entities for a store manager) and a first password',
    input: z.object({
      name: z.string().trim().min(1).max(200),
      login: Login,
      role: RoleInput,
      regions: Regions.default([]),
      entities: Entities.default([]),
      password: z.string().min(1).max(256),
      /** The user must choose their own password at first sign-in (default). */
      must_change_password: z.boolean().default(true),
    }).strict(),
    roles: ADMIN_ONLY,
    mutates: true,
    ...hashingNewPassword((_ctx, input: { name: string; login: string; password: string }) => ({ password: input.password, user: input })),
    run: (ctx, input, passwordHash) => {
      if (users.getUserByLogin(ctx.db, input.login)) {
        throw new ApiError('duplicate_login', `the login ${JSON.stringify(input.login)} is taken`, [{ path: 'login', code: 'duplicate_login', message: 'already used' }]);
      }
      const scope = checkScope(ctx.db, input.role, input.regions, input.entities);
      const user = users.insertUser(ctx.db, {
        name: input.name, login: input.login, role: input.role, ...scope,
        password_hash: passwordHash, must_change_password: input.must_change_password, now: ctx.now().toISOString(),
      });
      const view = userView(user);
      ctx.audit({ entities: auditEntities(user), after: view });
      return view;
    },
  }),

  'users.update': defineHandler({
    summary: 'Change a user\'s name, login, role or scope, or clear the sign-in throttle of their login (`unlock`)',
    input: z.object({
      id: ExternalId,
      name: z.string().trim().min(1).max(200).optional(),
      login: Login.optional(),
      role: RoleInput.optional(),
      regions: Regions.optional(),
      entities: Entities.optional(),
      /** Clears the sign-in throttle of the user's login (its failed attempts). */
      unlock: z.boolean().optional(),
    }).strict(),
    roles: ADMIN_ONLY,
    mutates: true,
    run: (ctx, input) => {
      const before = load(ctx.db, input.id);
      const role = input.role ?? before.role;
      if (role !== 'admin') assertNotLastAdmin(ctx.db, before, 'changing this role');
      if (input.login && input.login.toLowerCase() !== before.login.toLowerCase() && users.getUserByLogin(ctx.db, input.login)) {
        throw new ApiError('duplicate_login', `the login ${JSON.stringify(input.login)} is taken`, [{ path: 'login', code: 'duplicate_login', message: 'already used' }]);
      }
      // Changing the role alone resets a scope that no longer fits it.
      const roleChanged = role !== before.role;
      const regions = input.regions ?? (roleChanged ? [] : JSON.parse(before.regions_json) as string[]);
      const entities = input.entities ?? (roleChanged ? [] : JSON.parse(before.entities_json) as string[]);
      const scope = checkScope(ctx.db, role, regions, entities);
      users.updateUser(ctx.db, before.id, {
        name: input.name, login: input.login, role, regions_json: JSON.stringify(scope.regions), entities_json: JSON.stringify(scope.entities),
        updated_at: ctx.now().toISOString(),
      });
      if (input.unlock) clearThrottle(ctx.db, 'login', loginThrottleKey(before.login));
      const after = users.getUser(ctx.db, before.id)!;
      ctx.audit({ entities: [...auditEntities(before), ...auditEntities(after)], before: userView(before), after: userView(after) });
      return userView(after);
    },
  }),

  'users.resetPassword': defineHandler({
    summary: 'Set a new password for a user (they must change it at next sign-in); clears their login\'s sign-in throttle and ends their sessions',
    input: z.object({ id: ExternalId, password: z.string().min(1).max(256), must_change_password: z.boolean().default(true) }).strict(),
    roles: ADMIN_ONLY,
    mutates: true,
    ...hashingNewPassword((ctx, input: { id: string; password: string }) => ({ password: input.password, user: load(ctx.db, input.id) })),
    run: (ctx, input, passwordHash) => {
      const before = load(ctx.db, input.id);
      const at = ctx.now().toISOString();
      users.updateUser(ctx.db, before.id, {
        password_hash: passwordHash, must_change_password: input.must_change_password ? 1 : 0,
        password_changed_at: at, updated_at: at,
      });
      clearThrottle(ctx.db, 'login', loginThrottleKey(before.login));
      const ended = users.deleteUserSessions(ctx.db, before.id);
      const after = users.getUser(ctx.db, before.id)!;
      ctx.audit({ entities: auditEntities(before), before: userView(before), after: userView(after) });
      return { user: userView(after), sessions_ended: ended };
    },
  }),

  'users.disable': defineHandler({
    summary: 'Disable a user (ends their sessions), or enable them again with `disabled: false`',
    input: z.object({ id: ExternalId, disabled: z.boolean().default(true) }).strict(),
    roles: ADMIN_ONLY,
    mutates: true,
    run: (ctx, input) => {
      const before = load(ctx.db, input.id);
      if (input.disabled) {
        if (before.id === ctx.principal.userId) throw new ApiError('cannot_disable_self', 'you cannot disable your own account');
        assertNotLastAdmin(ctx.db, before, 'disabling this user');
      }
      users.updateUser(ctx.db, before.id, { disabled: input.disabled ? 1 : 0, updated_at: ctx.now().toISOString() });
      const ended = input.disabled ? users.deleteUserSessions(ctx.db, before.id) : 0;
      const after = users.getUser(ctx.db, before.id)!;
      ctx.audit({ entities: auditEntities(before), before: userView(before), after: userView(after) });
      return { user: userView(after), sessions_ended: ended };
    },
  }),

  'users.throttles': defineHandler({
    summary: 'The sign-in throttles still counting: failed sign-ins per login (known or not) and per source, and when the next attempt is checked',
    input: z.object({}).strict(),
    roles: ADMIN_ONLY,
    mutates: false,
    run: (ctx) => {
      const now = ctx.now();
      return listThrottles(ctx.db, forgottenBefore(now)).map((t) => ({ ...t, next_attempt_at: nextAttemptAt(t, now) }));
    },
  }),

  'users.clearThrottle': defineHandler({
    summary: 'Forget the failed sign-ins of a login or a source, so its next attempt is checked at once',
    input: z.object({ kind: z.enum(['login', 'source']), key: z.string().min(1).max(200) }).strict(),
    roles: ADMIN_ONLY,
    mutates: true,
    run: (ctx, input) => {
      const key = input.kind === 'login' ? loginThrottleKey(input.key) : input.key;
      return { cleared: clearThrottle(ctx.db, input.kind, key) };
    },
  }),
};
