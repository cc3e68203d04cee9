// Generic HTTPS JSON ERP connector: one POST per batch (an entity's closed month), JSON body
// `ventil.erp-batch/1` (docs/accounting.md), with the outbox row's idempotency key in the
// `Idempotency-Key` header and in the body. The ERP must apply a key once and answer a repeat
// with its first acknowledgement (any 2xx); the acknowledgement it returns is recorded on the
// outbox row. Failures map to the runner's dispositions: 5xx, timeouts and resets retry with the
// same key (the ERP may have applied the batch: the key makes the retry harmless), 429 and 409
// wait, 401/403 block the queue until fixed, other 4xx are permanent, no route is offline.
import type { Db } from '../store/db.js';
import { OFFLINE_CODES, PspError, retryAfterMs } from './psp.js';
import type { ErpAdapter } from './registry.js';
import { auditAnchorOf, verifiedBatch } from './erp.js';

export interface HttpsErpOptions { url: string; token: string | null; timeoutMs: number }

export class HttpsJsonErp implements ErpAdapter {
  readonly name = 'erp-https';

  constructor(private readonly db: Db, private readonly opts: HttpsErpOptions) {}

  async push(payload: Record<string, unknown>, call: { idempotencyKey: string; timeoutMs?: number }): Promise<{ id?: string; response?: unknown }> {
    const { batch, digest } = verifiedBatch(this.db, payload);
    const body = JSON.stringify({ ...batch, idempotency_key: call.idempotencyKey, digest, audit_anchor: auditAnchorOf(payload) });
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
      'idempotency-key': call.idempotencyKey,
      'user-agent': 'Ventil-ERP/1',
    };
    if (this.opts.token) headers.authorization = `Bearer ${this.opts.token}`;
    const timeout = Math.min(call.timeoutMs ?? this.opts.timeoutMs, this.opts.timeoutMs);
    let res: Response;
    try {
      res = await fetch(this.opts.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeout) });
    } catch (e) {
      throw networkError(e, timeout);
    }
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      throw networkError(e, timeout);
    }
    let json: unknown;
    try { json = text ? JSON.parse(text) : null; } catch { json = { text: text.slice(0, 500) }; }
    if (res.ok) {
      const ack = (json ?? {}) as { id?: unknown; batch_id?: unknown };
      const id = typeof ack.id === 'string' ? ack.id : typeof ack.batch_id === 'string' ? ack.batch_id : undefined;
      return { id, response: { status: res.status, body: json, entries: batch.totals.entries, digest } };
    }
    const message = `ERP answered ${res.status}: ${text.slice(0, 300)}`;
    const s = res.status;
    if (s === 401 || s === 403) throw new PspError({ disposition: 'blocked', code: 'unauthorized', message, httpStatus: s });
    if (s === 429) throw new PspError({ disposition: 'retryable', code: 'rate_limited', message, httpStatus: s, retryAfterMs: retryAfterMs(res.headers.get('retry-after')) });
    if (s === 409) throw new PspError({ disposition: 'retryable', code: 'conflict', message, httpStatus: s, retryAfterMs: retryAfterMs(res.headers.get('retry-after')) });
    if (s >= 500 || s === 408) throw new PspError({ disposition: 'retryable', code: 'server_error', message, httpStatus: s, ambiguous: true });
    throw new PspError({ disposition: 'permanent', code: 'refused', message, httpStatus: s });
  }
}

function networkError(e: unknown, timeout: number): PspError {
  const err = e as { name?: string; code?: string; cause?: { code?: string }; message?: string };
  const code = err.cause?.code ?? err.code ?? '';
  if (err.name === 'TimeoutError' || err.name === 'AbortError') {
    return new PspError({ disposition: 'retryable', code: 'timeout', message: `no answer from the ERP within ${timeout} ms`, ambiguous: true, cause: e });
  }
  if (OFFLINE_CODES.has(code)) return new PspError({ disposition: 'offline', code: 'offline', message: `the ERP cannot be reached (${code})`, cause: e });
  return new PspError({ disposition: 'retryable', code: 'connection', message: `connection to the ERP failed: ${code || err.message}`, ambiguous: true, cause: e });
}
