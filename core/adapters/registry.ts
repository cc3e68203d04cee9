// Which adapter an outbox target goes to, and how the PSP is configured. The default is the
// embedded sandbox PSP, so the app and the demo move money with no account anywhere. Stripe is
// chosen by configuration; its secret key comes from the environment (or a key file the OS
// protects), never from the database (docs/sync.md, "Configuring Stripe").
import { readFileSync } from 'node:fs';
import type { Db } from '../store/db.js';
import type { PspAdapter } from './psp.js';
import { SandboxPsp } from './sandbox-psp.js';

export type PspName = 'sandbox' | 'stripe';

export interface PspConfig {
  psp: PspName;
  stripe?: { secretKey: string; apiBase?: string; timeoutMs?: number; apiVersion?: string };
  /** Stripe webhook signing secret (whsec_...); when set, webhooks must carry a valid signature. */
  webhookSecret?: string | null;
}

/** An ERP connector (books engineer): pushes one `erp.*` outbox payload, idempotently by key. */
export interface ErpAdapter {
  readonly name: string;
  push(payload: Record<string, unknown>, opts: { idempotencyKey: string; timeoutMs?: number }): Promise<{ id?: string; response?: unknown }>;
}

export interface AdapterRegistry {
  psp: PspAdapter | null;
  erp: ErpAdapter | null;
  /** Targets with an adapter; rows for other targets wait (sync.status counts them). */
  targets(): string[];
}

export class ConfigError extends Error {
  readonly code = 'config_error';
  constructor(message: string) { super(message); this.name = 'ConfigError'; }
}

/**
 * Reads the PSP configuration: environment variables first, then an optional JSON config file
 * (`VENTIL_CONFIG` or the `file` argument) for the non-secret options:
 *
 *   VENTIL_PSP                     sandbox (default) | stripe
 *   VENTIL_STRIPE_SECRET_KEY       the secret key (or STRIPE_SECRET_KEY)
 *   VENTIL_STRIPE_SECRET_KEY_FILE  a file holding the key, readable by the service user only
 *   VENTIL_STRIPE_API_BASE         e.g. http://127.0.0.1:4010 for a local fake
 *   VENTIL_STRIPE_TIMEOUT_MS       per-call timeout (default 30000)
 *   VENTIL_STRIPE_WEBHOOK_SECRET   webhook signing secret (or STRIPE_WEBHOOK_SECRET)
 *
 * The config file may hold `{ "psp", "stripe": { "api_base", "timeout_ms", "api_version",
 * "secret_key_file", "webhook_secret_file" } }`; a secret written in it is refused.
 */
export function loadPspConfig(env: NodeJS.ProcessEnv = process.env, file: string | undefined = env.VENTIL_CONFIG): PspConfig {
  let fromFile: { psp?: string; stripe?: Record<string, unknown> } = {};
  if (file) {
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new ConfigError(`cannot read the config file ${file}: ${(e as Error).message}`);
    }
    if (fromFile.stripe && ('secret_key' in fromFile.stripe || 'webhook_secret' in fromFile.stripe)) {
      throw new ConfigError(`${file} holds a secret; put it in VENTIL_STRIPE_SECRET_KEY / VENTIL_STRIPE_WEBHOOK_SECRET or a key file (secret_key_file)`);
    }
  }
  const psp = (env.VENTIL_PSP ?? fromFile.psp ?? 'sandbox') as string;
  if (psp !== 'sandbox' && psp !== 'stripe') throw new ConfigError(`unknown PSP ${JSON.stringify(psp)}; expected sandbox or stripe`);
  const fileStripe = fromFile.stripe ?? {};
  const readSecretFile = (path: unknown) => (typeof path === 'string' ? readFileSync(path, 'utf8').trim() : undefined);
  const webhookSecret = env.VENTIL_STRIPE_WEBHOOK_SECRET ?? env.STRIPE_WEBHOOK_SECRET ?? readSecretFile(fileStripe.webhook_secret_file) ?? null;
  if (psp === 'sandbox') return { psp, webhookSecret };
  const secretKey = env.VENTIL_STRIPE_SECRET_KEY ?? env.STRIPE_SECRET_KEY
    ?? readSecretFile(env.VENTIL_STRIPE_SECRET_KEY_FILE) ?? readSecretFile(fileStripe.secret_key_file);
  if (!secretKey) throw new ConfigError('VENTIL_PSP=stripe needs VENTIL_STRIPE_SECRET_KEY (or VENTIL_STRIPE_SECRET_KEY_FILE)');
  const timeout = env.VENTIL_STRIPE_TIMEOUT_MS ?? fileStripe.timeout_ms;
  return {
    psp,
    webhookSecret,
    stripe: {
      secretKey,
      apiBase: env.VENTIL_STRIPE_API_BASE ?? (fileStripe.api_base as string | undefined),
      timeoutMs: timeout === undefined ? undefined : Number(timeout),
      apiVersion: fileStripe.api_version as string | undefined,
    },
  };
}

/** Builds the configured PSP adapter. Stripe's SDK is loaded only when Stripe is configured. */
export async function createPspAdapter(db: Db, config: PspConfig, now: () => Date = () => new Date()): Promise<PspAdapter> {
  if (config.psp === 'sandbox') return new SandboxPsp(db, now);
  const { StripePsp } = await import('./stripe-psp.js');
  return new StripePsp(config.stripe!);
}

// ERP connectors (core/adapters/erp.ts): `createRegistry(psp, await createErpAdapter(db, loadErpConfig()))`
// gives the runner the configured ERP (HTTPS JSON or file drop); without one, erp.push rows wait.
export { createErpAdapter, describeErpConfig, loadErpConfig } from './erp.js';

export function createRegistry(psp: PspAdapter | null, erp: ErpAdapter | null = null): AdapterRegistry {
  return {
    psp, erp,
    targets: () => [...(psp ? ['psp'] : []), ...(erp ? ['erp'] : [])],
  };
}

/** Describes the configuration without its secrets, for `sync.status` and logs. */
export function describeConfig(config: PspConfig): Record<string, unknown> {
  return {
    psp: config.psp,
    api_base: config.stripe?.apiBase ?? (config.psp === 'stripe' ? 'https://api.stripe.com' : null),
    key: config.stripe ? `${config.stripe.secretKey.slice(0, 8)}…` : null,
    webhook_signature: config.webhookSecret ? 'required' : 'not configured',
  };
}
