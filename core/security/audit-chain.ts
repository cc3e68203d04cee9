// The audit trail's hash chain: each row's hash is sha256(prev_hash + canonical content of the
// row). The content is the row's stored text columns (JSON columns as the exact text stored),
// so verifying never depends on how a JSON value would be re-serialised.
import { createHash } from 'node:crypto';
import { canonicalJson } from '../domain/canonical.js';
import { AUDIT_GENESIS_HASH } from '../../migrations/0006_users_audit.js';
import type { AuditLogTable } from '../store/schema.js';

export { AUDIT_GENESIS_HASH };

/** A stored audit row. */
export type AuditRow = AuditLogTable;

/** The columns a row's hash covers (everything but `prev_hash` and `hash`). */
export type AuditContent = Omit<AuditLogTable, 'prev_hash' | 'hash'>;

/** The exact text hashed for a row: canonical JSON of its content columns (keys sorted). */
export function canonicalAuditContent(row: AuditContent): string {
  return canonicalJson({
    seq: row.seq, at: row.at, actor_id: row.actor_id, actor_name: row.actor_name, actor_role: row.actor_role,
    operation: row.operation, outcome: row.outcome, entities_json: row.entities_json, input_json: row.input_json,
    // null stays in the canonical text (canonicalJson drops only undefined).
    before_json: row.before_json, after_json: row.after_json,
  });
}

export function auditHash(prevHash: string, row: AuditContent): string {
  return createHash('sha256').update(prevHash).update(canonicalAuditContent(row)).digest('hex');
}

export interface ChainProblem {
  /** The row found wrong (null: the table as a whole, e.g. a missing trigger). */
  seq: number | null;
  code: 'content_changed' | 'broken_link' | 'missing_rows' | 'trigger_missing' | 'anchor_missing';
  message: string;
}

export interface ChainReport { ok: boolean; rows: number; head: string; problems: ChainProblem[] }

/**
 * Walks the rows in `seq` order and names every row whose content no longer matches its hash,
 * whose link to the previous row is broken, or before which rows are missing. Deleting the
 * newest rows leaves a valid shorter chain: compare `head` with a hash kept elsewhere.
 */
export function verifyChain(rows: Iterable<AuditRow>): ChainReport {
  const problems: ChainProblem[] = [];
  let prev = AUDIT_GENESIS_HASH;
  let expected = 1;
  let count = 0;
  for (const row of rows) {
    count++;
    if (row.seq !== expected) {
      problems.push({ seq: row.seq, code: 'missing_rows', message: `rows ${expected} to ${row.seq - 1} are missing before row ${row.seq}` });
    }
    if (row.prev_hash !== prev) {
      problems.push({ seq: row.seq, code: 'broken_link', message: `row ${row.seq} does not follow the row before it (its prev_hash differs): a row was changed, removed or its hash rewritten` });
    }
    if (auditHash(row.prev_hash, row) !== row.hash) {
      problems.push({ seq: row.seq, code: 'content_changed', message: `row ${row.seq} (${row.operation} by ${row.actor_id} at ${row.at}) no longer matches its hash: its content was changed` });
    }
    prev = row.hash;
    expected = row.seq + 1;
  }
  return { ok: problems.length === 0, rows: count, head: prev, problems };
}
