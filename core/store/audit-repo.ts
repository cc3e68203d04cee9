// Appending to and reading the audit trail (table `audit_log`, migrations/0006_users_audit.ts).
// Rows are only ever inserted; triggers refuse UPDATE and DELETE and an insert that does not
// extend the hash chain.
import { auditHash, verifyChain, AUDIT_GENESIS_HASH, type AuditRow, type ChainProblem, type ChainReport } from '../security/audit-chain.js';
import { first, qb } from './query.js';
import type { Db } from './db.js';
import { lockUntilCommit, triggerNames } from './dialect.js';

export interface AuditEntry {
  at: string;
  actor: { id: string; name: string; role: string };
  operation: string;
  outcome: string;
  entities: readonly string[];
  /** Already redacted and capped (core/api/audit-trail.ts). */
  input: unknown;
  before?: unknown;
  after?: unknown;
}

const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));

/**
 * Appends a row to the chain. Reading the head and inserting after it is one step per chain:
 * on PostgreSQL two hub processes would otherwise both read row N and both write N + 1 (the
 * second then failing on the key), so the append takes the chain's advisory lock until its
 * transaction ends (lockUntilCommit) and reads the head only once it holds it. Outside a
 * transaction the append is its own; SQLite has one writer at a time already.
 */
export function appendAudit(db: Db, e: AuditEntry): AuditRow {
  if (!db.inTransaction) return db.transaction(() => appendAudit(db, e)).immediate();
  lockUntilCommit(db, 'audit_log');
  const last = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
  const content = {
    seq: (last?.seq ?? 0) + 1,
    at: e.at,
    actor_id: e.actor.id,
    actor_name: e.actor.name,
    actor_role: e.actor.role,
    operation: e.operation,
    outcome: e.outcome,
    entities_json: JSON.stringify([...new Set(e.entities)].sort()),
    input_json: JSON.stringify(e.input ?? null),
    before_json: json(e.before),
    after_json: json(e.after),
  };
  const prev_hash = last?.hash ?? AUDIT_GENESIS_HASH;
  const row: AuditRow = { ...content, prev_hash, hash: auditHash(prev_hash, content) };
  db.prepare(`INSERT INTO audit_log (seq, at, actor_id, actor_name, actor_role, operation, outcome, entities_json, input_json,
      before_json, after_json, prev_hash, hash)
    VALUES (@seq, @at, @actor_id, @actor_name, @actor_role, @operation, @outcome, @entities_json, @input_json,
      @before_json, @after_json, @prev_hash, @hash)`).run(row);
  return row;
}

export interface AuditFilter {
  /** Entities the reader may see (null: all). Rows of other entities are left out. */
  scope: readonly string[] | null;
  /** Rows by this actor are shown even without an entity in scope (one's own sign-ins). */
  self: string | null;
  operation?: string;
  actor?: string;
  entity?: string;
  outcome?: 'ok' | 'refused';
  from?: string;
  to?: string;
  /** Keyset cursor: only rows with a smaller seq (newest first). */
  before?: number;
  limit: number;
}

function whereOf(f: AuditFilter): { sql: string; args: unknown[] } {
  const where: string[] = [];
  const args: unknown[] = [];
  if (f.scope !== null) {
    where.push(`(EXISTS (SELECT 1 FROM json_each(a.entities_json) j WHERE j.value IN (SELECT value FROM json_each(?)))${f.self ? ' OR a.actor_id = ?' : ''})`);
    args.push(JSON.stringify(f.scope));
    if (f.self) args.push(f.self);
  }
  if (f.operation) {
    if (f.operation.endsWith('*')) { where.push("a.operation LIKE ? ESCAPE '\\'"); args.push(`${f.operation.slice(0, -1).replace(/[\\%_]/g, (c) => `\\${c}`)}%`); }
    else { where.push('a.operation = ?'); args.push(f.operation); }
  }
  if (f.actor) { where.push('a.actor_id = ?'); args.push(f.actor); }
  if (f.entity) { where.push('EXISTS (SELECT 1 FROM json_each(a.entities_json) j WHERE j.value = ?)'); args.push(f.entity); }
  if (f.outcome === 'ok') where.push("a.outcome = 'ok'");
  if (f.outcome === 'refused') where.push("a.outcome <> 'ok'");
  if (f.from) { where.push('a.at >= ?'); args.push(f.from); }
  if (f.to) { where.push('a.at < ?'); args.push(f.to); }
  return { sql: where.length ? `WHERE ${where.join(' AND ')}` : '', args };
}

export function countAudit(db: Db, f: AuditFilter): number {
  const w = whereOf(f);
  return (db.prepare(`SELECT count(*) AS n FROM audit_log a ${w.sql}`).get(...w.args) as { n: number }).n;
}

/** Rows matching the filter, newest first. */
export function listAudit(db: Db, f: AuditFilter): AuditRow[] {
  const w = whereOf(f);
  const cursor = f.before !== undefined ? `${w.sql ? `${w.sql} AND` : 'WHERE'} a.seq < ?` : w.sql;
  const args = f.before !== undefined ? [...w.args, f.before] : w.args;
  return db.prepare(`SELECT * FROM audit_log a ${cursor} ORDER BY a.seq DESC LIMIT ?`).all(...args, f.limit) as AuditRow[];
}

const TRIGGERS = ['audit_log_no_update', 'audit_log_no_delete', 'audit_log_chain'];

/**
 * The chain's head now, to keep outside the database (docs/security.md, "Audit trail"): the hash
 * of the newest row and how many rows it closes. A later check that the head is still in the
 * chain (`verifyAuditLog` with `expect`) catches the newest rows deleted, which a shorter chain
 * alone does not show. It goes with every ERP batch; the hub may record it too.
 */
export interface AuditAnchor { head: string; rows: number }

export function currentAuditAnchor(db: Db): AuditAnchor {
  const last = first(db, qb.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1));
  return last ? { head: last.hash, rows: last.seq } : { head: AUDIT_GENESIS_HASH, rows: 0 };
}

/** The row whose hash is `head` (a published anchor), or null when the chain no longer holds it. */
export function findAuditAnchor(db: Db, head: string): number | null {
  if (head === AUDIT_GENESIS_HASH) return 0;
  return first(db, qb.selectFrom('audit_log').select('seq').where('hash', '=', head))?.seq ?? null;
}

export interface AuditVerification extends ChainReport {
  /** The published anchor checked (`expect`), and the row it was found at (null: missing). */
  anchor?: { head: string; row: number | null };
}

/**
 * Verifies the whole chain and that the append-only triggers are still in place; with
 * `expect` (a head published earlier), also that the chain still holds it.
 */
export function verifyAuditLog(db: Db, opts: { expect?: string } = {}): AuditVerification {
  const rows = db.prepare('SELECT * FROM audit_log ORDER BY seq').iterate() as IterableIterator<AuditRow>;
  const report = verifyChain(rows);
  const present = new Set(triggerNames(db, 'audit_log'));
  const missing: ChainProblem[] = TRIGGERS.filter((t) => !present.has(t))
    .map((t) => ({ seq: null, code: 'trigger_missing', message: `the trigger ${t} that keeps the audit log append-only is missing` }));
  const problems = [...missing, ...report.problems];
  let anchor: AuditVerification['anchor'];
  if (opts.expect !== undefined) {
    anchor = { head: opts.expect, row: findAuditAnchor(db, opts.expect) };
    if (anchor.row === null) {
      problems.push({ seq: null, code: 'anchor_missing', message: `the anchor ${opts.expect} is not in the chain: rows were deleted or rewritten after it was published (the chain now ends at row ${report.rows})` });
    }
  }
  return { ...report, ok: problems.length === 0, problems, ...(anchor ? { anchor } : {}) };
}
