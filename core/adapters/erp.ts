// ERP connectors: how an entity's books reach its ERP. Ventil queues one `erp.push` outbox row per
// entity and closed month (core/api/books-service.ts, in the transaction that closes the period);
// the outbox runner (core/sync/runner.ts) hands each row to the configured adapter, with the
// row's idempotency key, outside any transaction, and records the acknowledgement on the row.
//
// Two adapters: a generic HTTPS JSON endpoint (erp-https.ts: one POST per batch, the key in an
// Idempotency-Key header) and a file drop (erp-file-drop.ts: the month's FEC and CSV written to a
// folder an ERP imports from). Both rebuild the batch from the journal when they send it and check
// it against the digest recorded at closing: a closed month never changes, so a retry sends the
// same bytes, and a batch that did change is refused rather than sent.
//
// Configuration (environment, or the `erp` object of the VENTIL_CONFIG file for non-secrets):
//   VENTIL_ERP              none (default) | https | file
//   VENTIL_ERP_URL          https endpoint receiving batches (http only for 127.0.0.1/localhost)
//   VENTIL_ERP_TOKEN        bearer token (or VENTIL_ERP_TOKEN_FILE), never in the database
//   VENTIL_ERP_TIMEOUT_MS   per-call timeout (default 30000)
//   VENTIL_ERP_DIR          folder of the file drop (must exist: a missing share waits, offline)
//   VENTIL_ERP_FORMATS      file drop formats, comma separated: fec,csv,json (default fec,csv)
import { readFileSync } from 'node:fs';
import { buildErpBatch } from '../api/books-service.js';
import type { Db } from '../store/db.js';
import { PspError } from './psp.js';
import type { ErpAdapter } from './registry.js';

export type { ErpAdapter };

/** What an `erp.push` payload holds (the batch itself is rebuilt from the journal). */
export interface ErpPushPayload {
  entity: string;
  /** The closed month, YYYY-MM. */
  period: string;
  format: string;
  erp_code: string | null;
  currency: string;
  digest: string;
  entries: number;
  lines: number;
  debit: number;
  credit: number;
  /** The audit trail's head when the batch was queued (absent from batches queued before it was added). */
  audit_anchor?: { head: string; rows: number };
}

/** The audit anchor a batch carries to the ERP (null for a batch queued before anchors existed). */
export function auditAnchorOf(payload: Record<string, unknown>): { head: string; rows: number } | null {
  return (payload as unknown as ErpPushPayload).audit_anchor ?? null;
}

/**
 * The batch an `erp.push` row stands for, rebuilt from the journal and checked against the digest
 * recorded when the month closed. A mismatch is permanent: the row is dead-lettered, not sent.
 */
export function verifiedBatch(db: Db, payload: Record<string, unknown>): ReturnType<typeof buildErpBatch> {
  const p = payload as unknown as ErpPushPayload;
  if (typeof p.entity !== 'string' || typeof p.period !== 'string' || !/^\d{4}-\d{2}$/.test(p.period)) {
    throw new PspError({ disposition: 'permanent', code: 'invalid_payload', message: 'an erp.push payload names an entity and a month (period YYYY-MM)' });
  }
  let built: ReturnType<typeof buildErpBatch>;
  try {
    built = buildErpBatch(db, p.entity, p.period);
  } catch (e) {
    throw new PspError({ disposition: 'permanent', code: 'batch_unavailable', message: `cannot build the ERP batch of ${p.entity} ${p.period}: ${(e as Error).message}` });
  }
  if (built.digest !== p.digest) {
    throw new PspError({ disposition: 'permanent', code: 'batch_changed', message: `the entries of ${p.entity} ${p.period} differ from the batch queued at closing (digest ${built.digest.slice(0, 12)} ≠ ${String(p.digest).slice(0, 12)})` });
  }
  return built;
}

export type ErpFileFormat = 'fec' | 'csv' | 'json';

export interface ErpConfig {
  erp: 'none' | 'https' | 'file';
  https?: { url: string; token: string | null; timeoutMs: number };
  file?: { dir: string; formats: ErpFileFormat[] };
}

export class ErpConfigError extends Error {
  readonly code = 'config_error';
  constructor(message: string) { super(message); this.name = 'ErpConfigError'; }
}

export function loadErpConfig(env: NodeJS.ProcessEnv = process.env, file: string | undefined = env.VENTIL_CONFIG): ErpConfig {
  let fromFile: { erp?: { type?: string; url?: string; token_file?: string; timeout_ms?: number; dir?: string; formats?: string[]; token?: unknown } } = {};
  if (file) {
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new ErpConfigError(`cannot read the config file ${file}: ${(e as Error).message}`);
    }
    if (fromFile.erp && 'token' in fromFile.erp) throw new ErpConfigError(`${file} holds an ERP token; put it in VENTIL_ERP_TOKEN or a token file (token_file)`);
  }
  const f = fromFile.erp ?? {};
  const kind = env.VENTIL_ERP ?? f.type ?? 'none';
  if (kind === 'none') return { erp: 'none' };
  if (kind === 'https') {
    const url = env.VENTIL_ERP_URL ?? f.url;
    if (!url) throw new ErpConfigError('VENTIL_ERP=https needs VENTIL_ERP_URL');
    let parsed: URL;
    try { parsed = new URL(url); } catch { throw new ErpConfigError(`VENTIL_ERP_URL ${JSON.stringify(url)} is not a URL`); }
    const local = parsed.hostname === '127.0.0.1' || parsed.hostname === 'localhost' || parsed.hostname === '[::1]';
    if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && local)) throw new ErpConfigError('the ERP endpoint must be https (http only on 127.0.0.1 or localhost)');
    const tokenFile = env.VENTIL_ERP_TOKEN_FILE ?? f.token_file;
    const token = env.VENTIL_ERP_TOKEN ?? (tokenFile ? readFileSync(tokenFile, 'utf8').trim() : null);
    const timeout = Number(env.VENTIL_ERP_TIMEOUT_MS ?? f.timeout_ms ?? 30_000);
    return { erp: 'https', https: { url, token, timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : 30_000 } };
  }
  if (kind === 'file') {
    const dir = env.VENTIL_ERP_DIR ?? f.dir;
    if (!dir) throw new ErpConfigError('VENTIL_ERP=file needs VENTIL_ERP_DIR');
    const formats = (env.VENTIL_ERP_FORMATS?.split(',') ?? f.formats ?? ['fec', 'csv']).map((s) => s.trim()).filter(Boolean);
    const bad = formats.filter((x) => !['fec', 'csv', 'json'].includes(x));
    if (bad.length || formats.length === 0) throw new ErpConfigError(`VENTIL_ERP_FORMATS: unknown format(s) ${bad.join(', ') || '(none)'}; use fec, csv, json`);
    return { erp: 'file', file: { dir, formats: formats as ErpFileFormat[] } };
  }
  throw new ErpConfigError(`unknown ERP connector ${JSON.stringify(kind)}; expected none, https or file`);
}

/** Builds the configured ERP adapter, or null when none is configured (erp.push rows then wait). */
export async function createErpAdapter(db: Db, config: ErpConfig): Promise<ErpAdapter | null> {
  if (config.erp === 'https') {
    const { HttpsJsonErp } = await import('./erp-https.js');
    return new HttpsJsonErp(db, config.https!);
  }
  if (config.erp === 'file') {
    const { FileDropErp } = await import('./erp-file-drop.js');
    return new FileDropErp(db, config.file!);
  }
  return null;
}

export function describeErpConfig(config: ErpConfig): Record<string, unknown> {
  return {
    erp: config.erp,
    url: config.https?.url ?? null,
    token: config.https ? (config.https.token ? 'set' : 'none') : null,
    dir: config.file?.dir ?? null,
    formats: config.file?.formats ?? null,
  };
}
