// How `callApi` turns a mutating call into an audit row: who (the principal, or the actor a
// sign-in names), what (operation and input, secrets redacted, large inputs replaced by their
// digest), the entities it concerns and the before/after the handler gave through `ctx.audit`.
import { createHash } from 'node:crypto';
import { canonicalJson } from '../domain/canonical.js';
import { appendAudit, type AuditEntry } from '../store/audit-repo.js';
import type { ApiContext, AuditNote } from './handler.js';

/** Inputs larger than this (as JSON) are recorded as their sha256 and size. */
export const AUDIT_INPUT_MAX_BYTES = 64 * 1024;

const SECRET_KEY = /^(password|new_password|current_password|token|secret|key|db_key|code)$|_(password|token|secret)$/i;

/** A copy with every secret-looking text field (password, token, secret, key) replaced by "[redacted]". */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) && typeof v === 'string' ? '[redacted]' : redactSecrets(v)]));
  }
  return value;
}

/** The input as recorded: redacted, and replaced by its digest when too large to keep. */
export function recordedInput(input: unknown): unknown {
  const redacted = redactSecrets(input ?? null);
  const text = canonicalJson(redacted) ?? 'null';
  const bytes = Buffer.byteLength(text);
  if (bytes <= AUDIT_INPUT_MAX_BYTES) return redacted;
  return { $omitted: 'too large to keep in the audit log', sha256: createHash('sha256').update(text).digest('hex'), bytes };
}

/** Entities named by the input itself (`entity`, `entities`), added to those the handler gave. */
function inputEntities(input: unknown): string[] {
  if (input === null || typeof input !== 'object') return [];
  const i = input as { entity?: unknown; entities?: unknown };
  const out: string[] = [];
  if (typeof i.entity === 'string') out.push(i.entity);
  if (Array.isArray(i.entities)) for (const e of i.entities) if (typeof e === 'string') out.push(e);
  return out;
}

export function auditEntry(ctx: ApiContext, operation: string, input: unknown, notes: readonly AuditNote[], outcome: string): AuditEntry {
  const p = ctx.principal;
  const actor = notes.findLast((n) => n.actor)?.actor ?? { id: p.userId, name: p.name, role: p.anonymous ? 'anonymous' : p.role };
  const withState = notes.filter((n) => n.before !== undefined || n.after !== undefined);
  const pick = (k: 'before' | 'after') => (withState.length === 0 ? undefined : withState.length === 1 ? withState[0]![k] : withState.map((n) => n[k] ?? null));
  return {
    at: ctx.now().toISOString(),
    actor,
    operation,
    outcome,
    entities: [...notes.flatMap((n) => n.entities ?? []), ...inputEntities(input)],
    input: recordedInput(input),
    before: redactSecrets(pick('before')),
    after: redactSecrets(pick('after')),
  };
}

export function writeAudit(ctx: ApiContext, operation: string, input: unknown, notes: readonly AuditNote[], outcome: string): void {
  appendAudit(ctx.db, auditEntry(ctx, operation, input, notes, outcome));
}

/**
 * Records a refused call after its transaction rolled back (a forbidden attempt to change
 * something). Never lets the refusal itself fail: a read-only database just keeps no row.
 */
export function writeRefusal(ctx: ApiContext, operation: string, input: unknown, code: string): void {
  try {
    ctx.db.transaction(() => writeAudit(ctx, operation, input, [], code)).immediate();
  } catch {
    // best effort: the caller gets its error either way
  }
}
