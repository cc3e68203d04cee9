// Password hashing with scrypt (Node's crypto), a random salt per user, and the parameters
// stored in the hash so they can be raised later without breaking existing accounts.
// Format: `scrypt$<N>$<r>$<p>$<salt base64>$<hash base64>`.
//
// Two ways to run it. The transports (HTTP, IPC) use the asynchronous functions: scrypt runs on
// libuv's thread pool, through a bounded queue (`passwordWork`), so the server keeps answering
// while passwords are checked and a flood of sign-ins is refused with `busy` instead of queued
// without bound (docs/decisions/0008-hardening.md). The command line and tests use the
// synchronous ones: one operator, no one else waiting.
import { randomBytes, scrypt as scryptCallback, scryptSync, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { AUTH_POLICY } from './policy.js';
import { BoundedQueue } from './work-queue.js';

export interface ScryptParams { N: number; r: number; p: number }

/** OWASP's first recommendation for scrypt: N = 2^17, r = 8, p = 1 (128 MiB, ~0.5 s here). */
export const PASSWORD_HASH_PARAMS: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };

const KEY_LENGTH = 64;
const SALT_LENGTH = 16;

/** Every asynchronous hash goes through this queue (AUTH_POLICY.hashConcurrency, hashQueueMax). */
export const passwordWork = new BoundedQueue({ concurrency: AUTH_POLICY.hashConcurrency, maxWaiting: AUTH_POLICY.hashQueueMax });

function scryptOptions(params: ScryptParams): ScryptOptions {
  // 128 × N × r bytes of memory, plus headroom.
  return { N: params.N, r: params.r, p: params.p, maxmem: 128 * params.N * params.r * 2 };
}

function scryptNow(password: string, salt: Buffer, params: ScryptParams): Buffer {
  return scryptSync(password.normalize('NFC'), salt, KEY_LENGTH, scryptOptions(params));
}

function scryptLater(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  return passwordWork.run(() => new Promise<Buffer>((resolve, reject) => {
    scryptCallback(password.normalize('NFC'), salt, KEY_LENGTH, scryptOptions(params), (err, key) => (err ? reject(err) : resolve(key)));
  }));
}

const format = (params: ScryptParams, salt: Buffer, hash: Buffer) =>
  `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64')}$${hash.toString('base64')}`;

export function hashPassword(password: string, params: ScryptParams = PASSWORD_HASH_PARAMS): string {
  const salt = randomBytes(SALT_LENGTH);
  return format(params, salt, scryptNow(password, salt, params));
}

export async function hashPasswordAsync(password: string, params: ScryptParams = PASSWORD_HASH_PARAMS): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  return format(params, salt, await scryptLater(password, salt, params));
}

/** The parts of a stored hash, or null when it is not one we can check (never throws). */
function parseStored(stored: string): { params: ScryptParams; salt: Buffer; expected: Buffer } | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every((n) => Number.isSafeInteger(n) && n > 0) || N > 2 ** 20 || r > 32 || p > 16) return null;
  const expected = Buffer.from(parts[5]!, 'base64');
  if (expected.length !== KEY_LENGTH) return null;
  return { params: { N, r, p }, salt: Buffer.from(parts[4]!, 'base64'), expected };
}

/** True when the password matches the stored hash. Constant-time comparison. */
export function verifyPassword(password: string, stored: string): boolean {
  const s = parseStored(stored);
  return s !== null && timingSafeEqual(scryptNow(password, s.salt, s.params), s.expected);
}

export async function verifyPasswordAsync(password: string, stored: string): Promise<boolean> {
  const s = parseStored(stored);
  return s !== null && timingSafeEqual(await scryptLater(password, s.salt, s.params), s.expected);
}

// A hash of a random password nobody knows, with the current parameters: checking against it
// costs what checking a real account costs.
let dummy: string | null = null;
let dummyLater: Promise<string> | null = null;

/**
 * Spends the time of a real check when there is no account to check against, so the answer's
 * timing does not tell whether a login exists. Computed on first use (it costs one hash).
 */
export function verifyAgainstNothing(password: string): false {
  dummy ??= hashPassword(randomBytes(18).toString('base64'));
  verifyPassword(password, dummy);
  return false;
}

/**
 * The asynchronous twin of verifyAgainstNothing. The transports call `preparePasswordChecks` at
 * start, so even the first unknown login costs one hash, like a known one.
 */
export async function verifyAgainstNothingAsync(password: string): Promise<false> {
  await verifyPasswordAsync(password, await dummyHash());
  return false;
}

function dummyHash(): Promise<string> {
  if (dummy) return Promise.resolve(dummy);
  dummyLater ??= new Promise<string>((resolve, reject) => {
    // Outside the queue: made once, before any sign-in needs it.
    const salt = randomBytes(SALT_LENGTH);
    scryptCallback(randomBytes(18).toString('base64'), salt, KEY_LENGTH, scryptOptions(PASSWORD_HASH_PARAMS), (err, key) => {
      if (err) { dummyLater = null; reject(err); return; }
      dummy ??= format(PASSWORD_HASH_PARAMS, salt, key);
      resolve(dummy);
    });
  });
  return dummyLater;
}

/** Computes the dummy hash ahead of the first sign-in (a transport calls it when it starts). */
export function preparePasswordChecks(): Promise<void> {
  return dummyHash().then(() => undefined);
}

/** Problems with a new password, as messages (empty when acceptable). */
export function passwordProblems(password: string, user: { login?: string; name?: string } = {}): string[] {
  const problems: string[] = [];
  const length = [...password].length;
  if (length < AUTH_POLICY.passwordMinLength) problems.push(`at least ${AUTH_POLICY.passwordMinLength} characters`);
  if (length > AUTH_POLICY.passwordMaxLength) problems.push(`at most ${AUTH_POLICY.passwordMaxLength} characters`);
  if (/^(.)\1*$/su.test(password)) problems.push('not one character repeated');
  const lower = password.toLowerCase();
  for (const v of [user.login, user.name]) {
    if (v && v.length >= 3 && lower === v.toLowerCase()) problems.push('not your login or name');
  }
  return problems;
}
