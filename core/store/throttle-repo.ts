// Failed sign-ins counted per login and per source (table `sign_in_throttles`, migration 0008).
// Rows for unknown logins are kept exactly like those of real ones; rows whose last failure is
// older than the forget window are dropped as new failures come in, so the table stays small.
import { sql } from 'kysely';
import type { ThrottleKey, ThrottleKind, ThrottleState } from '../security/throttle.js';
import { all, qb, run } from './query.js';
import type { SignInThrottlesTable } from './schema.js';
import type { Db } from './db.js';

export type ThrottleRow = SignInThrottlesTable;

/** The throttle rows of these keys whose last failure is at or after `since`. */
export function readThrottles(db: Db, keys: readonly ThrottleKey[], since: string): ThrottleState[] {
  if (keys.length === 0) return [];
  return all(db, qb.selectFrom('sign_in_throttles').select(['kind', 'key', 'failures', 'last_failure_at'])
    .where((eb) => eb.or(keys.map((k) => eb.and([eb('kind', '=', k.kind), eb('key', '=', k.key)]))))
    .where('last_failure_at', '>=', since));
}

/** Counts one failure for each key; a count whose last failure is older than `forgetBefore` starts again at 1. */
export function recordFailures(db: Db, keys: readonly ThrottleKey[], at: string, forgetBefore: string): void {
  for (const k of keys) {
    run(db, qb.insertInto('sign_in_throttles')
      .values({ kind: k.kind, key: k.key, failures: 1, first_failure_at: at, last_failure_at: at })
      .onConflict((oc) => oc.columns(['kind', 'key']).doUpdateSet({
        failures: sql<number>`CASE WHEN sign_in_throttles.last_failure_at < ${forgetBefore} THEN 1 ELSE sign_in_throttles.failures + 1 END`,
        first_failure_at: sql<string>`CASE WHEN sign_in_throttles.last_failure_at < ${forgetBefore} THEN ${at} ELSE sign_in_throttles.first_failure_at END`,
        last_failure_at: at,
      })));
  }
  run(db, qb.deleteFrom('sign_in_throttles').where('last_failure_at', '<', forgetBefore));
}

/** Removes one throttle; returns whether there was one. */
export function clearThrottle(db: Db, kind: ThrottleKind, key: string): boolean {
  return run(db, qb.deleteFrom('sign_in_throttles').where('kind', '=', kind).where('key', '=', key)) > 0;
}

/** Every throttle still counting (last failure at or after `since`), most recent first. */
export function listThrottles(db: Db, since: string): ThrottleRow[] {
  return all(db, qb.selectFrom('sign_in_throttles').selectAll().where('last_failure_at', '>=', since)
    .orderBy('last_failure_at', 'desc').orderBy('kind').orderBy('key'));
}
