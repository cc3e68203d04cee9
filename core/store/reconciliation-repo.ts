// Mismatches of a reconciliation run marked as explained (migration 0013): the run's items stay
// append-only; an explanation is a note beside one item, written once.
import { all, first, qb, run } from './query.js';
import type { ReconciliationExplanationsTable } from './schema.js';
import type { Sqlite } from './sqlite.js';

export type ExplanationRow = ReconciliationExplanationsTable;

export function reconciliationItem(db: Sqlite, runId: number, seq: number) {
  return first(db, qb.selectFrom('reconciliation_items').selectAll().where('run_id', '=', runId).where('seq', '=', seq));
}

export function explanationOf(db: Sqlite, runId: number, seq: number): ExplanationRow | undefined {
  return first(db, qb.selectFrom('reconciliation_explanations').selectAll().where('run_id', '=', runId).where('seq', '=', seq));
}

export function explanationsOfRun(db: Sqlite, runId: number): ExplanationRow[] {
  return all(db, qb.selectFrom('reconciliation_explanations').selectAll().where('run_id', '=', runId).orderBy('seq'));
}

export function insertExplanation(db: Sqlite, row: ExplanationRow): void {
  run(db, qb.insertInto('reconciliation_explanations').values(row));
}

/** The latest run's mismatches with no explanation (the reconciliation anomaly). */
export function unexplainedMismatches(db: Sqlite) {
  const latest = first(db, qb.selectFrom('reconciliation_runs').select('id').orderBy('id', 'desc').limit(1));
  if (!latest) return [];
  return all(db, qb.selectFrom('reconciliation_items as i')
    .leftJoin('reconciliation_explanations as x', (j) => j.onRef('x.run_id', '=', 'i.run_id').onRef('x.seq', '=', 'i.seq'))
    .selectAll('i')
    .where('i.run_id', '=', latest.id).where('i.status', '!=', 'matched').where('x.seq', 'is', null)
    .orderBy('i.seq'));
}
