// Migration 0004 adds the books (journal, invoices, chart, periods, ERP batches) on a database
// that already holds a network, orders and settlements; entries and invoices are immutable, and a
// closed period refuses any entry.
import { describe, expect, it } from 'vitest';
import { migrations } from '../../../migrations/index.js';
import { migrate } from '../../../core/store/database.js';
import { openSqlite } from '../../../core/store/sqlite.js';
import { FROZEN_NOW } from '../../helpers/db.js';
import { postgresDatabases, postgresInstalled } from '../../helpers/postgres.js';

describe('0004_books', () => {
  const db = openSqlite(':memory:');
  db.pragma('foreign_keys = ON');
  const index = migrations.findIndex((m) => m.name === '0004_books');
  migrate(db, ':memory:', migrations.slice(0, index), () => FROZEN_NOW);
  db.exec(`INSERT INTO entities (id, name, kind, siren) VALUES ('HQ', 'Siège', 'franchisor', '552100554');
    INSERT INTO orders (id, channel, created_at, currency, content_hash, imported_at) VALUES ('O1', 'web', '2026-01-01T00:00:00Z', 'EUR', 'h', 'now');`);
  const report = migrate(db, ':memory:', migrations.slice(0, index + 1), () => FROZEN_NOW);

  const entry = (n: number, date = '2026-03-02') => db.prepare(`INSERT INTO journal_entries (entity, journal, fiscal_year, number, entry_date, event_at, valid_at, label, piece_ref, piece_date, source_key, order_id, currency, orig_currency)
    VALUES ('HQ', 'VE', '2026', ?, ?, '2026-03-02T09:00:00Z', '2026-04-01T00:00:00Z', 'Vente', 'O1', ?, 'ful:O1:1', 'O1', 'EUR', 'EUR')`).run(n, date, date).lastInsertRowid;

  it('applies on top of the migrations before it, with the data in place', () => {
    expect(report.applied).toEqual(['0004_books']);
    expect(db.prepare('SELECT id FROM orders').pluck().all()).toEqual(['O1']);
  });

  it('keeps journal entries and lines immutable, numbers unique per journal and fiscal year', () => {
    const id = entry(1);
    db.prepare(`INSERT INTO journal_lines (entry_id, seq, fact, role, account, aux, debit, credit, label, amount_orig, orig_currency) VALUES (?, 0, 'sale', 'customer_funds', '467300', NULL, 100, 0, 'Vente', 100, 'EUR')`).run(id);
    expect(() => entry(1)).toThrow(/UNIQUE/);
    expect(() => db.exec("UPDATE journal_entries SET label = 'changed'")).toThrow(/immutable/);
    expect(() => db.exec('DELETE FROM journal_entries')).toThrow(/immutable/);
    expect(() => db.exec('UPDATE journal_lines SET debit = 1')).toThrow(/immutable/);
    expect(() => db.exec('DELETE FROM journal_lines')).toThrow(/immutable/);
    expect(() => db.exec(`INSERT INTO journal_lines (entry_id, seq, fact, role, account, debit, credit, label, amount_orig, orig_currency) VALUES (${id}, 1, 'sale', 'sales', '707000', -5, 0, 'x', 5, 'EUR')`)).toThrow(/CHECK/);
    expect(() => db.exec(`INSERT INTO journal_lines (entry_id, seq, fact, role, account, debit, credit, label, amount_orig, orig_currency) VALUES (${id}, 1, 'sale', 'sales', '707000', 1.5, 0, 'x', 5, 'EUR')`)).toThrow(/REAL/);
  });

  it('keeps closing final', () => {
    db.exec("INSERT INTO closed_periods (entity, period, kind, start_date, end_date, closed_at, closed_by) VALUES ('HQ', '2026-02', 'month', '2026-02-01', '2026-02-28', 'now', 'test')");
    expect(() => db.exec("INSERT INTO closed_periods (entity, period, kind, start_date, end_date, closed_at, closed_by) VALUES ('HQ', '2026-02', 'month', '2026-02-01', '2026-02-28', 'now', 'test')")).toThrow(/UNIQUE/);
    expect(() => db.exec('DELETE FROM closed_periods')).toThrow(/stays closed/);
    expect(() => db.exec("UPDATE closed_periods SET end_date = '2026-02-01'")).toThrow(/stays closed/);
  });

  it('keeps invoices immutable and numbered once per series', () => {
    const inv = (seq: number) => db.prepare(`INSERT INTO invoices (number, series, seq, kind, supplier, customer, issued_by, self_billed, issue_date, fiscal_year, group_name, currency, net, vat, total, vat_rate, order_id, line_id, source_key, created_at)
      VALUES (?, 'ROY-HQ-2026', ?, 'invoice', 'HQ', 'HQ', 'HQ', 0, '2026-03-02', '2026-03-02', 'royalty', 'EUR', 100, 20, 120, '0.20', 'O1', '1', 'ful:O1:1', 'now')`).run(`ROY-HQ-2026-${seq}`, seq);
    inv(1);
    expect(() => db.prepare(`INSERT INTO invoices (number, series, seq, kind, supplier, customer, issued_by, self_billed, issue_date, fiscal_year, group_name, currency, net, vat, total, vat_rate, order_id, line_id, source_key, created_at)
      VALUES ('other', 'ROY-HQ-2026', 1, 'invoice', 'HQ', 'HQ', 'HQ', 0, '2026-03-02', '2026', 'royalty', 'EUR', 1, 0, 1, '0.20', 'O1', '1', 'k', 'now')`).run()).toThrow(/UNIQUE/);
    expect(() => db.exec('UPDATE invoices SET net = 1')).toThrow(/immutable/);
    expect(() => db.exec('DELETE FROM invoices')).toThrow(/immutable/);
    expect(() => db.exec("INSERT INTO invoices (number, series, seq, kind, supplier, customer, issued_by, self_billed, issue_date, fiscal_year, group_name, currency, net, vat, total, vat_rate, order_id, line_id, source_key, created_at) VALUES ('x', 's', 1, 'invoice', 'NOPE', 'HQ', 'HQ', 0, 'd', 'y', 'g', 'EUR', 1, 0, 1, '0.2', 'O1', '1', 'k', 'now')")).toThrow(/FOREIGN KEY/);
  });

  it('rolls back with down()', () => {
    db.transaction(() => migrations[index]!.down(db))();
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('journal_entries', 'journal_lines', 'invoices', 'accounts', 'closed_periods', 'erp_batches')").pluck().get()).toBe(0);
  });
});

describe.skipIf(!postgresInstalled)('0004_books on PostgreSQL', () => {
  const database = postgresDatabases('0004_books.test');
  const at = migrations.findIndex((m) => m.name === '0004_books');

  it('keeps entries, lines, invoices and closed periods immutable, numbers unique; rolls back with down()', () => {
    const db = database(migrations.slice(0, at));
    db.exec(`INSERT INTO entities (id, name, kind, siren) VALUES ('HQ', 'Siège', 'franchisor', '552100554');
      INSERT INTO orders (id, channel, created_at, currency, content_hash, imported_at) VALUES ('O1', 'web', '2026-01-01T00:00:00Z', 'EUR', 'h', 'now');`);
    db.transaction(() => migrations[at]!.up(db))();
    const entry = (n: number) => db.prepare(`INSERT INTO journal_entries (entity, journal, fiscal_year, number, entry_date, event_at, valid_at, label, piece_ref, piece_date, source_key, order_id, currency, orig_currency)
      VALUES ('HQ', 'VE', '2026', ?, '2026-03-02', '2026-03-02T09:00:00Z', '2026-04-01T00:00:00Z', 'Vente', 'O1', '2026-03-02', 'ful:O1:1', 'O1', 'EUR', 'EUR') RETURNING id`).pluck().get(n) as number;
    const id = entry(1);
    db.prepare(`INSERT INTO journal_lines (entry_id, seq, fact, role, account, aux, debit, credit, label, amount_orig, orig_currency) VALUES (?, 0, 'sale', 'customer_funds', '467300', NULL, 100, 0, 'Vente', 100, 'EUR')`).run(id);
    expect(() => entry(1)).toThrow(/duplicate key value violates unique constraint/);
    const immutable = 'journal entries are immutable; post a reversing entry';
    expect(() => db.exec("UPDATE journal_entries SET label = 'changed'")).toThrow(immutable);
    expect(() => db.exec('DELETE FROM journal_entries')).toThrow(immutable);
    expect(() => db.exec('UPDATE journal_lines SET debit = 1')).toThrow(immutable);
    expect(() => db.exec('DELETE FROM journal_lines')).toThrow(immutable);
    expect(() => db.exec(`INSERT INTO journal_lines (entry_id, seq, fact, role, account, debit, credit, label, amount_orig, orig_currency) VALUES (${id}, 1, 'sale', 'sales', '707000', -5, 0, 'x', 5, 'EUR')`)).toThrow(/check constraint/);
    db.exec("INSERT INTO closed_periods (entity, period, kind, start_date, end_date, closed_at, closed_by) VALUES ('HQ', '2026-02', 'month', '2026-02-01', '2026-02-28', 'now', 'test')");
    expect(() => db.exec('DELETE FROM closed_periods')).toThrow('a closed period stays closed');
    db.exec(`INSERT INTO invoices (number, series, seq, kind, supplier, customer, issued_by, self_billed, issue_date, fiscal_year, group_name, currency, net, vat, total, vat_rate, order_id, line_id, source_key, created_at)
      VALUES ('ROY-HQ-2026-1', 'ROY-HQ-2026', 1, 'invoice', 'HQ', 'HQ', 'HQ', 0, '2026-03-02', '2026', 'royalty', 'EUR', 100, 20, 120, '0.20', 'O1', '1', 'ful:O1:1', 'now')`);
    expect(() => db.exec('UPDATE invoices SET net = 1')).toThrow('invoices are immutable; issue a credit note');
    expect(() => db.exec("INSERT INTO invoices (number, series, seq, kind, supplier, customer, issued_by, self_billed, issue_date, fiscal_year, group_name, currency, net, vat, total, vat_rate, order_id, line_id, source_key, created_at) VALUES ('x', 's', 1, 'invoice', 'NOPE', 'HQ', 'HQ', 0, 'd', 'y', 'g', 'EUR', 1, 0, 1, '0.2', 'O1', '1', 'k', 'now')")).toThrow(/foreign key constraint/);
    db.transaction(() => migrations[at]!.down(db))();
    expect(db.prepare("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename IN ('journal_entries', 'journal_lines', 'invoices', 'accounts', 'closed_periods', 'erp_batches')").pluck().get()).toBe(0);
  });
});
