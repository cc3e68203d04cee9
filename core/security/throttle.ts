// Sign-in throttling, the pure part: how long an attempt waits given the failures recorded for
// its login and its source (AUTH_POLICY.throttle; docs/security.md). The wait depends only on
// that history, never on whether the login exists, so it tells an attacker nothing.
import { AUTH_POLICY } from './policy.js';

export type ThrottleKind = 'login' | 'source';

export interface ThrottleKey { kind: ThrottleKind; key: string }

export interface ThrottleState { kind: ThrottleKind; key: string; failures: number; last_failure_at: string }

const P = AUTH_POLICY.throttle;
const FORGET_MS = P.forgetAfterMinutes * 60_000;

/** A login as the throttle counts it: trimmed, NFC, lower case, so `LYON` and `lyon` share one count. */
export function loginThrottleKey(login: string): string {
  return login.trim().normalize('NFC').toLowerCase();
}

export function throttleKeys(login: string, source: string): ThrottleKey[] {
  return [{ kind: 'login', key: loginThrottleKey(login) }, { kind: 'source', key: source }];
}

/** The delay that `failures` recent failures impose: none up to the free ones, then doubling, capped. */
export function delayAfter(failures: number, kind: ThrottleKind): number {
  const free = kind === 'login' ? P.loginFreeFailures : P.sourceFreeFailures;
  if (failures <= free) return 0;
  return Math.min(P.maxDelaySeconds, P.firstDelaySeconds * 2 ** Math.min(failures - free - 1, 30)) * 1000;
}

/** Whether a failure recorded at `at` still counts at `now`. */
export function stillCounts(at: string, now: Date): boolean {
  return now.getTime() - Date.parse(at) < FORGET_MS;
}

/** Failures before this time are forgotten. */
export function forgottenBefore(now: Date): string {
  return new Date(now.getTime() - FORGET_MS).toISOString();
}

/** When the next attempt may be checked for one throttle (ISO time), or null when at once. */
export function nextAttemptAt(state: ThrottleState, now: Date): string | null {
  if (!stillCounts(state.last_failure_at, now)) return null;
  const at = Date.parse(state.last_failure_at) + delayAfter(state.failures, state.kind);
  return at > now.getTime() ? new Date(at).toISOString() : null;
}

/**
 * How long an attempt waits before its password is checked: the longest of its throttles'
 * remaining delays. At most `maxDelaySeconds`, since each delay is capped and starts at the last
 * failure, which is never in the future.
 */
export function waitBeforeCheck(states: readonly ThrottleState[], now: Date): number {
  let wait = 0;
  for (const s of states) {
    const at = nextAttemptAt(s, now);
    if (at) wait = Math.max(wait, Math.min(Date.parse(at) - now.getTime(), P.maxDelaySeconds * 1000));
  }
  return wait;
}
