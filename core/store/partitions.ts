// The yearly partitions of the journal and the settlements on PostgreSQL (migration 0014,
// docs/decisions/0018-postgresql-schema.md). Opening a PostgreSQL database opens the partitions of
// the current year and the next one (a fiscal year is named by its closing year, at most one
// ahead of the calendar), so rows land in their year's partitions rather than the default ones.
// Nothing to do on SQLite.
import type { Db } from './db.js';
import { dialectOf } from './dialect.js';

/**
 * The tables migration 0014 turned into views on PostgreSQL, with the partitioned table holding
 * their rows (and their triggers); 0018 folded a fourth, the entity shares, into their revisions.
 */
export const ROWS_OF_VIEW: Readonly<Record<string, string>> = {
  journal_lines: 'journal_line_rows',
  settlement_revisions: 'settlement_revision_rows',
  settlement_lines: 'settlement_line_rows',
};

/**
 * Creates the partitions of `now`'s year and the next, where missing. Returns the tables whose
 * default partition already holds rows of such a year (their partition is not created; a DBA
 * moves the rows, docs/deployment.md), as `table year`.
 */
export function openYearPartitions(db: Db, now: Date): string[] {
  if (dialectOf(db) !== 'postgres') return [];
  if (!db.prepare("SELECT to_regprocedure('ventil_open_year(text)') IS NOT NULL").pluck().get()) return []; // before 0014
  const year = now.getUTCFullYear();
  return [year, year + 1].flatMap((y) => {
    const skipped = db.prepare("SELECT array_to_string(ventil_open_year(?), ' ')").pluck().get(String(y)) as string;
    return skipped === '' ? [] : skipped.split(' ').map((t) => `${t} ${y}`);
  });
}
