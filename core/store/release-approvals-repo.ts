// Release runs waiting for (or given) a second person's approval (migration 0013). A row is
// written when a run is submitted, decided once (approved, rejected, or withdrawn by its
// preparer), and marked executed by the run that used it.
import { all, first, qb, run } from './query.js';
import type { ReleaseApprovalStatus, ReleaseApprovalsTable } from './schema.js';
import type { Db } from './db.js';

export type ApprovalRow = ReleaseApprovalsTable;

export function insertApproval(db: Db, row: ApprovalRow): void {
  run(db, qb.insertInto('release_approvals').values(row));
}

/** The next approval number (1, 2, ...): approvals are named in submission order. */
export function nextApprovalNumber(db: Db): number {
  return (first(db, qb.selectFrom('release_approvals').select((eb) => eb.fn.countAll<number>().as('n')))?.n ?? 0) + 1;
}

export function getApproval(db: Db, id: string): ApprovalRow | undefined {
  return first(db, qb.selectFrom('release_approvals').selectAll().where('id', '=', id));
}

export function listApprovals(db: Db, f: { status?: readonly ReleaseApprovalStatus[]; limit: number }): ApprovalRow[] {
  let q = qb.selectFrom('release_approvals').selectAll();
  if (f.status && f.status.length > 0) q = q.where('status', 'in', [...f.status]);
  return all(db, q.orderBy('prepared_at', 'desc').orderBy('id', 'desc').limit(f.limit));
}

/** Decides a pending approval; returns false when it was no longer pending. */
export function decideApproval(db: Db, id: string, d: { status: 'approved' | 'rejected' | 'withdrawn'; by: string; byName: string; at: string; note: string | null }): boolean {
  return run(db, qb.updateTable('release_approvals')
    .set({ status: d.status, decided_by: d.by, decided_by_name: d.byName, decided_at: d.at, note: d.note })
    .where('id', '=', id).where('status', '=', 'pending')) === 1;
}

/** Withdraws every pending approval but `keep` (a new submission replaces the older ones). */
export function withdrawPending(db: Db, keep: string, by: string, byName: string, at: string): number {
  return run(db, qb.updateTable('release_approvals')
    .set({ status: 'withdrawn', decided_by: by, decided_by_name: byName, decided_at: at, note: 'replaced by a newer submission' })
    .where('status', '=', 'pending').where('id', '!=', keep));
}

export function markExecuted(db: Db, id: string, runId: string): void {
  run(db, qb.updateTable('release_approvals').set({ status: 'executed', run_id: runId }).where('id', '=', id));
}
