// Migration 0017 keeps a month's sums only until its documents are issued: up() deletes the sums
// marked issued and leaves those still to invoice; down() writes the issued documents' sums back
// from their lines (a credit note's negative), marked issued, as the code before kept them; on a
// hub, the months whose sums go are marked for the replicas. Same test on both dialects.
import { describe, expect, it } from 'vitest';
import { migrations } from '../../../migrations/index.js';
import { migrate } from '../../../core/store/database.js';
import type { Db } from '../../../core/store/db.js';
import { ensureChangeLog } from '../../../core/store/change-triggers.js';
import { openSqlite } from '../../../core/store/sqlite.js';
import { FROZEN_NOW } from '../../helpers/db.js';
import { postgresDatabases, postgresInstalled } from '../../helpers/postgres.js';

const NAME = '0017_month_sums_until_issued';
const at = migrations.findIndex((m) => m.name === NAME);

const SUMS = 'SELECT supplier, customer, currency, month, kind, group_name, rate, base, net, vat, items, issued FROM invoice_totals ORDER BY 1, 2, 3, 4, 5, 6, 7';
const sums = (db: Db) => db.prepare(SUMS).raw().all() as unknown[][];
const dirty = (db: Db) => db.prepare("SELECT key FROM change_dirty WHERE kind = 'invoice_month' ORDER BY key").pluck().all();

/** A hub at 0016: March invoiced (an invoice of two lines, a credit note of one), April still to invoice. */
function before(db: Db): unknown[][] {
  db.exec(`INSERT INTO entities (id, name, kind, siren) VALUES ('HQ', 'Siège', 'franchisor', '552100554'), ('LYON', 'Lyon', 'franchisee', '552100555');`);
  const invoice = db.prepare(`INSERT INTO invoices (id, number, series, seq, kind, supplier, customer, issued_by, self_billed, issue_date, fiscal_year, period,
      currency, net, vat, total, vat_rate, source_key, created_at) VALUES (?, ?, ?, 1, ?, 'HQ', 'LYON', 'HQ', 0, '2026-03-31', '2026', '2026-03', 'EUR', ?, ?, ?, '0.20', 'period:2026-03', 'now')`);
  invoice.run(1, 'FAC-HQ-2026-000001', 'FAC-HQ-2026', 'invoice', 700, 140, 840);
  invoice.run(2, 'AV-HQ-2026-000001', 'AV-HQ-2026', 'credit_note', 50, 10, 60);
  const line = db.prepare(`INSERT INTO invoice_lines (invoice_id, seq, group_name, rate, description, base, net, vat, items) VALUES (?, ?, ?, ?, 'x', ?, ?, ?, ?)`);
  line.run(1, 0, 'commission', '0.10', 5000, 500, 100, 3);
  line.run(1, 1, 'royalty', '0.04', 5000, 200, 40, 3);
  line.run(2, 0, 'commission', '0.10', 500, 50, 10, 1);
  const sum = db.prepare(`INSERT INTO invoice_totals (supplier, customer, currency, month, kind, group_name, rate, base, net, vat, items, issued)
    VALUES ('HQ', 'LYON', 'EUR', ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  sum.run('2026-03', 'invoice', 'commission', '0.10', 5000, 500, 100, 3, 1);
  sum.run('2026-03', 'invoice', 'royalty', '0.04', 5000, 200, 40, 3, 1);
  sum.run('2026-03', 'credit_note', 'commission', '0.10', -500, -50, -10, 1, 1);
  sum.run('2026-04', 'invoice', 'commission', '0.10', 1000, 100, 20, 1, 0);
  ensureChangeLog(db);
  db.exec('DELETE FROM change_dirty'); // sealed
  return sums(db);
}

function migrated(db: Db, kept: unknown[][]): void {
  db.transaction(() => migrations[at]!.up(db))();
  expect(sums(db)).toEqual([['HQ', 'LYON', 'EUR', '2026-04', 'invoice', 'commission', '0.10', 1000, 100, 20, 1, 0]]);
  expect(dirty(db)).toEqual([JSON.stringify(['HQ', 'LYON', 'EUR', '2026-03'])]);

  db.transaction(() => migrations[at]!.down(db))();
  expect(sums(db)).toEqual(kept);
}

describe(`${NAME} on SQLite`, () => {
  it('deletes the sums of issued months, keeps those to invoice, marks the months for the replicas; down() writes them back from the lines', () => {
    const db = openSqlite(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, ':memory:', migrations.slice(0, at), () => FROZEN_NOW);
    migrated(db, before(db));
  });
});

describe.skipIf(!postgresInstalled)(`${NAME} on PostgreSQL`, () => {
  const database = postgresDatabases('0017_month_sums_until_issued.test');

  it('deletes the sums of issued months, keeps those to invoice, marks the months for the replicas; down() writes them back from the lines', () => {
    const db = database(migrations.slice(0, at));
    migrated(db, before(db));
  });
});
