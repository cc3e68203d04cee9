// Password hashing with scrypt (Node's crypto), a random salt per user, and the parameters
// stored in the hash so they can be raised later without breaking existing accounts.
// Format: `scrypt$<N>$<r>$<p>$<salt base64>$<hash base64>`.
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { AUTH_POLICY } from './policy.js';

export interface ScryptParams { N: number; r: number; p: number }

/** OWASP's first recommendation for scrypt: N = 2^17, r = 8, p = 1 (128 MiB, ~0.5 s here). */
export const PASSWORD_HASH_PARAMS: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };

const KEY_LENGTH = 64;
const SALT_LENGTH = 16;

function scrypt(password: string, salt: Buffer, params: ScryptParams): Buffer {
  // 128 × N × r bytes of memory, plus headroom.
  const maxmem = 128 * params.N * params.r * 2;
  // Synchronous: API handlers run synchronously inside one SQLite transaction (docs/decisions/0001).
  return scryptSync(password.normalize('NFC'), salt, KEY_LENGTH, { N: params.N, r: params.r, p: params.p, maxmem });
}

export function hashPassword(password: string, params: ScryptParams = PASSWORD_HASH_PARAMS): string {
  const salt = randomBytes(SALT_LENGTH);
  const hash = scrypt(password, salt, params);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** True when the password matches the stored hash. Constant-time comparison. */
export function verifyPassword(password: string, stored: string): boolean {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every((n) => Number.isSafeInteger(n) && n > 0) || N > 2 ** 20 || r > 32 || p > 16) return false;
  const salt = Buffer.from(parts[4]!, 'base64');
  const expected = Buffer.from(parts[5]!, 'base64');
  if (expected.length !== KEY_LENGTH) return false;
  const actual = scrypt(password, salt, { N, r, p });
  return timingSafeEqual(actual, expected);
}

let dummy: string | null = null;
/**
 * Spends the time of a real check when there is no account to check against, so the answer's
 * timing does not tell whether a login exists. Computed on first use (it costs one hash).
 */
export function verifyAgainstNothing(password: string): false {
  dummy ??= hashPassword(randomBytes(18).toString('base64'));
  verifyPassword(password, dummy);
  return false;
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
