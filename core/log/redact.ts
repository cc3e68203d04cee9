// What never reaches a log: passwords, session and API tokens, keys. Three nets, because a
// secret can travel as a field, inside a message, or as a value Ventil knows to be secret:
// 1. fields whose name says secret are replaced, at any depth;
// 2. text shaped like a secret (Bearer tokens, Stripe keys, `token=...`, PEM private keys,
//    `"password": "..."`) is replaced inside messages and string fields;
// 3. the values registered as secret (the database key, secrets from the environment) are
//    replaced wherever they appear.
export const REDACTED = '[redacted]';

const SECRET_NAME = /(pass(word|phrase)?|secret|token|authorization|cookie|api_?key|private_?key|db_?key|signature)$|^key$/i;
const SECRET_ENV = /(KEY|TOKEN|SECRET|PASSWORD)(_FILE)?$/;

const PATTERNS: [RegExp, string][] = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, REDACTED],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`],
  [/\b(sk|rk)_(live|test)_[A-Za-z0-9]+/g, REDACTED],
  [/\bwhsec_[A-Za-z0-9]+/g, REDACTED],
  [/\b((?:api_|db_|secret_|private_)?key|(?:[a-z_]*_)?(?:token|password|secret|passphrase))=([^&\s#"']+)/gi, `$1=${REDACTED}`],
  [/("(?:[a-z_]*_)?(?:password|token|secret|passphrase)"\s*:\s*)"(?:[^"\\]|\\.)*"/gi, `$1"${REDACTED}"`],
];

const secrets = new Set<string>();

/** Marks a value as secret: it is replaced wherever it appears in a log record. */
export function registerSecret(value: string | null | undefined): void {
  if (value && value.length >= 8) secrets.add(value);
}

/** Registers the secrets the environment carries (VENTIL_DB_KEY, VENTIL_STRIPE_SECRET_KEY...). */
export function registerEnvSecrets(env: NodeJS.ProcessEnv = process.env): void {
  for (const [name, value] of Object.entries(env)) if (SECRET_ENV.test(name) && !name.endsWith('_FILE')) registerSecret(value);
}

export function redactText(text: string): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
  for (const [re, by] of PATTERNS) out = out.replace(re, by);
  return out;
}

export function redactFields<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return redactText(value) as T;
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (Array.isArray(value)) return value.map((v) => redactFields(v, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_NAME.test(k) && v !== null && v !== undefined ? REDACTED : redactFields(v, depth + 1);
  return out as T;
}
