// A settlement run inside its caller's transaction holds the month sums its chunks add, and its
// end issues the months that are over from them without writing them first when no sum is stored
// pending, else writes them and reads every pending sum back (books-finish.ts `dueTotals`): either
// way the invoices, their lines and the month sums stored must be those of a run that wrote its
// sums and read them back, whether a held sum adds to another, sums to nothing (no invoice: it
// stays pending) or belongs to a month that is not over.
import { describe, expect, it } from 'vitest';
import { finishBooks } from '../../core/api/books-finish.js';
import { KeyTable } from '../../core/api/movement-keys.js';
import { sharedPosting } from '../../core/api/posting-writer.js';
import { monthSumKey } from '../../core/domain/periodic-invoices.js';
import type { Db } from '../../core/store/db.js';
import { basicScenario, clocked, freshDb, importInto } from '../helpers/lifecycle.js';

const TABLES = ['invoices', 'invoice_lines', 'invoice_totals', 'invoice_credit_refs', 'journal_entries', 'journal_lines'];
const dump = (db: Db) => Object.fromEntries(TABLES.map((t) => [t, (db.prepare(`SELECT * FROM ${t}`).raw().all() as unknown[][])
  .map((r) => JSON.stringify(r.map((v) => (typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v) ? 'time' : v)))).sort()]));

/**
 * March imported and left open (its sums stored, pending); then sums held in memory, as a run
 * holds them. `moved`: March's stored sums are held instead (never written, as in an import).
 */
function withHeldSums(moved: boolean) {
  const db = freshDb();
  const clock = clocked(db, '2026-03-20T12:00:00Z');
  importInto(clock.ctx, basicScenario());
  const march = "FROM invoice_totals WHERE issued = 0 AND month = '2026-03'";
  const stored = db.prepare(`SELECT supplier, customer, currency, month, kind, group_name, rate, base, net, vat, items ${march} ORDER BY 1, 2, 3, 4, 5, 6, 7`).raw().all() as (string | number)[][];
  expect(stored.length).toBeGreaterThan(1);
  const keys = new KeyTable();
  const shared = sharedPosting(db, keys);
  const held = shared.sums;
  const add = (k: (string | number)[], net: number, vat: number, base = net * 10, items = 1) => {
    const [supplier, customer, currency, month, kind, group, rate] = k as [string, string, string, string, 'invoice', string, string];
    held.add(keys.id(monthSumKey({ supplier, customer, currency, month, kind, group, rate })), base, net, vat, items);
  };
  if (moved) {
    db.prepare(`DELETE ${march}`).run();
    for (const r of stored) add(r, r[8] as number, r[9] as number, r[7] as number, r[10] as number);
  }
  add(stored[0]!, 40, 8); // adds to a stored sum, or a held one
  add(['LILLE', 'LYON', 'EUR', '2026-03', 'invoice', 'commission', '0.05'], 0, 0); // sums to nothing: no invoice
  add(['LYON', 'LILLE', 'EUR', '2026-03', 'invoice', 'commission', '0.07'], 70, 14); // a new invoice
  add(['LYON', 'LILLE', 'EUR', '2026-04', 'invoice', 'commission', '0.07'], 30, 6); // April is not over
  return { db, held, shared };
}

describe('month sums held by a settlement run', () => {
  for (const moved of [true, false]) {
    it(`issue at the run's end what the same sums written and read back issue, and are stored as they would be (${moved ? 'none of the month stored' : 'some of it stored'})`, () => {
      const now = new Date('2026-04-02T12:00:00Z');
      const written = withHeldSums(moved);
      written.held.write();
      const readBack = finishBooks(written.db, now);
      const fromMemory = withHeldSums(moved);
      const run = finishBooks(fromMemory.db, now, undefined, null, fromMemory.shared);
      expect(run.invoices).toBe(readBack.invoices);
      expect(run.invoices).toBeGreaterThan(1);
      expect(dump(fromMemory.db)).toEqual(dump(written.db));
      // Nothing left held; the sum of nothing stays pending, as does April.
      expect(fromMemory.held.pending).toBe(0);
      const pending = fromMemory.db.prepare('SELECT supplier, customer, month, net FROM invoice_totals WHERE issued = 0 ORDER BY month').raw().all();
      expect(pending).toEqual([['LILLE', 'LYON', '2026-03', 0], ['LYON', 'LILLE', '2026-04', 30]]);
      const lyonToLille = fromMemory.db.prepare("SELECT net, vat FROM invoices WHERE supplier = 'LYON' AND customer = 'LILLE'").raw().all();
      expect(lyonToLille).toEqual([[70, 14]]);
    });
  }
});
