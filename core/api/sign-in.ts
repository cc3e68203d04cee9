// Signing in under attack (docs/security.md, "Sign-in"). An attempt runs in two steps:
//
// 1. `checkSignIn` (before any transaction, awaited by the transports): wait for the login's and
//    the source's throttle, then check the password off the main thread, against the account's
//    hash or, for an unknown login, a dummy hash. The same waits and the same work whether the
//    login exists or not.
// 2. `finishSignIn` (inside the call's transaction): a failure is counted for the login and the
//    source and recorded as an anonymous attempt naming both; a success clears the login's count
//    and opens a session. Every refusal says the same `invalid_credentials`.
//
// There is no lockout: a throttled attempt waits, then is checked, so the right password always
// gets in after at most AUTH_POLICY.throttle.maxDelaySeconds.
import { setTimeout as sleep } from 'node:timers/promises';
import { verifyAgainstNothing, verifyAgainstNothingAsync, verifyPassword, verifyPasswordAsync } from '../security/passwords.js';
import { forgottenBefore, throttleKeys, waitBeforeCheck } from '../security/throttle.js';
import { clearThrottle, readThrottles, recordFailures } from '../store/throttle-repo.js';
import * as users from '../store/users-repo.js';
import { ApiError } from './errors.js';
import type { ApiContext } from './handler.js';

export interface SignInInput { login: string; password: string }

/** What the check found: the account checked (null: none by that login) and whether the password matched its hash. */
export interface SignInCheck { userId: string | null; hash: string | null; matched: boolean; waitedMs: number }

const ANONYMOUS_ACTOR = { id: 'anonymous', name: 'not signed in', role: 'anonymous' };

function sourceOf(ctx: ApiContext): string {
  return ctx.source ?? 'local';
}

/** How long this attempt must wait for its throttles, read now. */
function throttleWait(ctx: ApiContext, login: string): number {
  const now = ctx.now();
  return waitBeforeCheck(readThrottles(ctx.db, throttleKeys(login, sourceOf(ctx)), forgottenBefore(now)), now);
}

/** Step 1 for the transports: waits, then checks the password off the main thread. */
export async function checkSignIn(ctx: ApiContext, input: SignInInput): Promise<SignInCheck> {
  const waitedMs = throttleWait(ctx, input.login);
  if (waitedMs > 0) await (ctx.wait ?? sleep)(waitedMs);
  const user = users.getUserByLogin(ctx.db, input.login);
  const matched = user ? await verifyPasswordAsync(input.password, user.password_hash) : await verifyAgainstNothingAsync(input.password);
  return { userId: user?.id ?? null, hash: user?.password_hash ?? null, matched, waitedMs };
}

/**
 * Step 1 for the command line and tests (`callApi`): the same check, synchronously. It does not
 * wait for throttles: it cannot sleep without holding the thread, and no remote caller reaches
 * it (the transports call `checkSignIn`).
 */
export function checkSignInNow(ctx: ApiContext, input: SignInInput): SignInCheck {
  const user = users.getUserByLogin(ctx.db, input.login);
  const matched = user ? verifyPassword(input.password, user.password_hash) : verifyAgainstNothing(input.password);
  return { userId: user?.id ?? null, hash: user?.password_hash ?? null, matched, waitedMs: 0 };
}

/**
 * Step 2, in the call's transaction: returns the user who signed in, or records the failure and
 * throws `invalid_credentials`. A password changed between the two steps counts as a failure.
 */
export function finishSignIn(ctx: ApiContext, input: SignInInput, check: SignInCheck): users.UserRow {
  const source = sourceOf(ctx);
  const keys = throttleKeys(input.login, source);
  const now = ctx.now();
  const user = check.userId ? users.getUser(ctx.db, check.userId) : undefined;
  if (!user || !check.matched || user.password_hash !== check.hash) {
    recordFailures(ctx.db, keys, now.toISOString(), forgottenBefore(now));
    ctx.audit({
      actor: ANONYMOUS_ACTOR,
      // A store manager sees the attempts on their own login in the audit trail.
      entities: user ? (JSON.parse(user.entities_json) as string[]) : [],
      after: { attempt: { login: input.login, source } },
    });
    throw new ApiError('invalid_credentials', 'wrong login or password');
  }
  // Said only to someone who knows the password.
  if (user.disabled === 1) {
    ctx.audit({ actor: { id: user.id, name: user.name, role: user.role }, after: { source } });
    throw new ApiError('account_disabled', 'this account is disabled; ask your administrator');
  }
  clearThrottle(ctx.db, keys[0]!.kind, keys[0]!.key);
  ctx.audit({ actor: { id: user.id, name: user.name, role: user.role }, entities: JSON.parse(user.entities_json) as string[], after: { source } });
  return user;
}
