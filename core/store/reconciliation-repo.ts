// Mismatches of a reconciliation run marked as explained (migration 0013): the run's items stay
// append-only; an explanation is a note beside one item, written once.
import { all, first, qb, run } from './query.js';
import type { ReconciliationExplanationsTable } from './schema.js';
import type { Db } from './db.js';

export type ExplanationRow = ReconciliationExplanationsTable;

export function reconciliationItem(db: Db, runId: number, seq: number) {
  return first(db, qb.selectFrom('reconciliation_items').selectAll().where('run_id', '=', runId).where('seq', '=', seq));
}

export function explanationOf(db: Db, runId: number, seq: number): ExplanationRow | undefined {
  return first(db, qb.selectFrom('reconciliation_explanations').selectAll().where('run_id', '=', runId).where('seq', '=', seq));
}

export function explanationsOfRun(db: Db, runId: number): ExplanationRow[] {
  return all(db, qb.selectFrom('reconciliation_explanations').selectAll().where('run_id', '=', runId).orderBy('seq'));
}

export function insertExplanation(db: Db, row: ExplanationRow): void {
  run(db, qb.insertInto('reconciliation_explanations').values(row));
}

/** The latest run's mismatches with no explanation (the reconciliation anomaly). */
export function unexplainedMismatches(db: Db) {
  const latest = first(db, qb.selectFrom('reconciliation_runs').select('id').orderBy('id', 'desc').limit(1));
  if (!latest) return [];
  return all(db, qb.selectFrom('reconciliation_items as i')
    .leftJoin('reconciliation_explanations as x', (j) => j.onRef('x.run_id', '=', 'i.run_id').onRef('x.seq', '=', 'i.seq'))
    .selectAll('i')
    .where('i.run_id', '=', latest.id).where('i.status', '!=', 'matched').where('x.seq', 'is', null)
    .orderBy('i.seq'));
}

// ---- Runs and their items -----------------------------------------------------------------

export interface RunRow {
  id: number; at: string; psp: string; source: string; file_hash: string; period_from: string | null; period_to: string | null;
  report_rows: number; matched: number; mismatches: number; summary_json: string;
}

export interface ItemRow {
  run_id: number; seq: number; category: string; status: string; entity: string | null; currency: string | null; expected: number | null;
  actual: number | null; difference: number | null; ventil_ref: string | null; psp_ref: string | null; orders_json: string | null; message: string;
}

/** Stores a run; returns its id. */
export function insertReconciliationRun(db: Db, r: Omit<RunRow, 'id'>): number {
  return db.prepare(`INSERT INTO reconciliation_runs (at, psp, source, file_hash, period_from, period_to, report_rows, matched, mismatches, summary_json)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`).pluck().get(r.at, r.psp, r.source, r.file_hash, r.period_from, r.period_to, r.report_rows, r.matched, r.mismatches, r.summary_json) as number;
}

export function insertReconciliationItems(db: Db, items: readonly ItemRow[]): void {
  const put = db.prepare(`INSERT INTO reconciliation_items (run_id, seq, category, status, entity, currency, expected, actual, difference, ventil_ref, psp_ref, orders_json, message)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  for (const i of items) {
    put.run(i.run_id, i.seq, i.category, i.status, i.entity, i.currency, i.expected, i.actual, i.difference, i.ventil_ref, i.psp_ref, i.orders_json, i.message);
  }
}

export function getReconciliationRun(db: Db, id: number): RunRow | undefined {
  return db.prepare('SELECT * FROM reconciliation_runs WHERE id = ?').get(id) as RunRow | undefined;
}

export function listRuns(db: Db, limit = 20): RunRow[] {
  return db.prepare('SELECT * FROM reconciliation_runs ORDER BY id DESC LIMIT ?').all(Math.min(Math.max(limit, 1), 200)) as RunRow[];
}

export function listItems(db: Db, runId: number, f: { mismatchesOnly?: boolean; entity?: string; scope?: ReadonlySet<string> | null; limit?: number } = {}): ItemRow[] {
  const where = ['run_id = ?'];
  const args: unknown[] = [runId];
  if (f.mismatchesOnly ?? true) where.push("status != 'matched'");
  if (f.entity) { where.push('entity = ?'); args.push(f.entity); }
  if (f.scope) { where.push('entity IN (SELECT value FROM json_each(?))'); args.push(JSON.stringify([...f.scope])); }
  const limit = Math.min(Math.max(f.limit ?? 1000, 1), 10_000);
  return db.prepare(`SELECT * FROM reconciliation_items WHERE ${where.join(' AND ')} ORDER BY entity, seq LIMIT ${limit}`).all(...args) as ItemRow[];
}
