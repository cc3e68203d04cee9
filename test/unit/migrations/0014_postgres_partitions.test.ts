// Migration 0014 partitions the journal and the settlements by year on PostgreSQL and changes
// nothing on SQLite. On PostgreSQL, with rows of 2025 and 2026 in place: each lands in its year's
// partition, the store's names still find them by id and take new rows (a year not opened yet
// goes to the default partition), updates and deletes are refused with the same messages,
// detaching 2025 leaves 2026 whole, and down() puts plain tables back with the rows.
import { describe, expect, it } from 'vitest';
import { migrations } from '../../../migrations/index.js';
import { migrate, openDatabase } from '../../../core/store/database.js';
import { openYearPartitions } from '../../../core/store/partitions.js';
import { openSqlite } from '../../../core/store/sqlite.js';
import type { Db } from '../../../core/store/db.js';
import { FROZEN_NOW } from '../../helpers/db.js';
import { postgresDatabases, postgresInstalled, sharedPostgres } from '../../helpers/postgres.js';

const NAME = '0014_postgres_partitions';
const at = migrations.findIndex((m) => m.name === NAME);

describe(`${NAME} on SQLite`, () => {
  it('changes nothing', () => {
    const db = openSqlite(':memory:');
    migrate(db, ':memory:', migrations.slice(0, at), () => FROZEN_NOW);
    const schema = () => db.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all();
    const before = schema();
    expect(migrate(db, ':memory:', migrations.slice(0, at + 1), () => FROZEN_NOW).applied).toEqual([NAME]);
    expect(schema()).toEqual(before);
    db.transaction(() => migrations[at]!.down(db))();
    expect(schema()).toEqual(before);
  });
});

/** An order of `year` settled once (a line, a share) and its sale posted in the journal of that fiscal year. */
function settledOrder(db: Db, id: string, year: string): number {
  db.exec(`INSERT INTO orders (id, channel, created_at, currency, content_hash, imported_at) VALUES ('${id}', 'web', '${year}-06-01T10:00:00Z', 'EUR', 'h', 'now');
    INSERT INTO settlement_revisions (order_id, revision, computed_at, reason) VALUES ('${id}', 1, 'now', 'import');
    INSERT INTO settlement_lines (order_id, revision, line_id, seq, status, fulfiller, owner, shipper, gross, vat, net, fee_share, returned, refunded, reversed_gross, reversed_vat, decisions_json, legs_json)
      VALUES ('${id}', 1, '1', 0, 'delivered', 'S1', 'S1', 'S1', 1200, 200, 1000, 0, 0, 0, 0, 0, '[]', '[["royalty","ROY@1","platform","HQ","owner","S1",1000,"0.04",40,8,null,0,0]]');
    INSERT INTO entity_shares (order_id, revision, line_id, entity, kind, amount, currency, release_at) VALUES ('${id}', 1, '1', 'HQ', 'line', 1200, 'EUR', NULL);`);
  // As the entry writer writes them: the entry, then its lines in one multi-row insert.
  const entry = db.prepare(`INSERT INTO journal_entries (entity, journal, fiscal_year, number, entry_date, event_at, valid_at, label, piece_ref, piece_date, source_key, order_id, currency, orig_currency)
    VALUES ('HQ', 'VE', ?, (SELECT count(*) + 1 FROM journal_entries WHERE fiscal_year = ?), ?, ?, ?, ?, ?, ?, ?, ?, 'EUR', 'EUR') RETURNING id`)
    .pluck().get(year, year, `${year}-06-01`, `${year}-06-01T10:00:00Z`, `${year}-06-02T00:00:00Z`, `Vente ${id}`, id, `${year}-06-01`, `ful:${id}:1`, id) as number;
  db.prepare(`INSERT INTO journal_lines (entry_id, seq, fact, role, account, aux, debit, credit, label, amount_orig, orig_currency)
    VALUES (?, 0, 'sale', 'escrow', '467300', NULL, 1200, 0, 'Vente', 1200, 'EUR'), (?, 1, 'sale', 'sales', '707000', NULL, 0, 1200, 'Vente', -1200, 'EUR')`).run(entry, entry);
  return entry;
}

/** Partition of each row of the store's tables, by table. */
function placement(db: Db): Record<string, string[]> {
  const of = (sql: string) => db.prepare(sql).pluck().all() as string[];
  return {
    journal_entries: of('SELECT DISTINCT tableoid::regclass::text FROM journal_entries ORDER BY 1'),
    journal_lines: of('SELECT DISTINCT tableoid::regclass::text FROM journal_line_rows ORDER BY 1'),
    settlement_revisions: of('SELECT DISTINCT tableoid::regclass::text FROM settlement_revision_rows ORDER BY 1'),
    settlement_lines: of('SELECT DISTINCT tableoid::regclass::text FROM settlement_line_rows ORDER BY 1'),
    entity_shares: of('SELECT DISTINCT tableoid::regclass::text FROM entity_share_rows ORDER BY 1'),
  };
}

const inYears = (...years: string[]) => ({
  journal_entries: years.map((y) => `journal_entries_${y}`),
  journal_lines: years.map((y) => `journal_line_rows_${y}`),
  settlement_revisions: years.map((y) => `settlement_revision_rows_${y}`),
  settlement_lines: years.map((y) => `settlement_line_rows_${y}`),
  entity_shares: years.map((y) => `entity_share_rows_${y}`),
});

describe.skipIf(!postgresInstalled)(`${NAME} on PostgreSQL`, () => {
  const database = postgresDatabases('0014_postgres_partitions.test');

  it('puts each year in its partitions, keeps the store\'s names working, detaches a year whole, and rolls back', () => {
    const db = database(migrations.slice(0, at));
    db.exec("INSERT INTO entities (id, name, kind, siren) VALUES ('HQ', 'Siège', 'franchisor', '552100554')");
    const e25 = settledOrder(db, 'O25', '2025');
    const e26 = settledOrder(db, 'O26', '2026');
    const entriesBefore = db.prepare('SELECT * FROM journal_entries ORDER BY id').all();
    const linesBefore = db.prepare('SELECT * FROM journal_lines ORDER BY entry_id, seq').all();
    const legsBefore = db.prepare('SELECT * FROM settlement_legs ORDER BY order_id').all();
    db.transaction(() => migrations[at]!.up(db))();

    expect(placement(db)).toEqual(inYears('2025', '2026'));
    expect(db.prepare('SELECT * FROM journal_entries ORDER BY id').all()).toEqual(entriesBefore);
    expect(db.prepare('SELECT * FROM journal_lines WHERE entry_id = ? ORDER BY seq').all(e25)).toEqual(linesBefore.slice(0, 2));
    expect(db.prepare('SELECT * FROM settlement_legs ORDER BY order_id').all()).toEqual(legsBefore);
    expect(db.prepare("SELECT amount FROM entity_shares WHERE order_id = 'O26' AND revision = 1").pluck().all()).toEqual([1200]);

    // Written through the store after the migration: 2026 to its partitions, 2027 (not opened) to the default ones, then opened.
    const e26b = settledOrder(db, 'O26B', '2026');
    expect(e26b).toBeGreaterThan(e26);
    settledOrder(db, 'O27', '2027');
    expect(placement(db).journal_lines).toEqual(['journal_line_rows_2025', 'journal_line_rows_2026', 'journal_line_rows_default']);
    // 2027's rows are in the default partitions already: its partitions are not created (PostgreSQL would refuse), and said so.
    expect(openYearPartitions(db, new Date('2027-01-01T00:00:00Z'))).toEqual([
      'journal_entries 2027', 'journal_line_rows 2027', 'settlement_revision_rows 2027', 'settlement_line_rows 2027', 'entity_share_rows 2027',
    ]);
    expect(db.prepare("SELECT count(*) FROM pg_class WHERE relname = 'journal_entries_2028'").pluck().get()).toBe(1);
    settledOrder(db, 'O28', '2028');
    expect(placement(db).settlement_lines).toEqual(['settlement_line_rows_2025', 'settlement_line_rows_2026', 'settlement_line_rows_2028', 'settlement_line_rows_default']);

    expect(() => db.exec("UPDATE journal_lines SET label = 'x'")).toThrow('journal entries are immutable; post a reversing entry');
    expect(() => db.exec('DELETE FROM journal_entries')).toThrow('journal entries are immutable; post a reversing entry');
    expect(() => db.exec('UPDATE settlement_lines SET gross = 0')).toThrow('settlement lines are append-only');
    expect(() => db.exec('UPDATE entity_shares SET amount = 0')).toThrow('entity shares are append-only');
    expect(() => db.prepare(`INSERT INTO journal_lines (entry_id, seq, fact, role, account, aux, debit, credit, label, amount_orig, orig_currency)
      VALUES (?, 0, 'sale', 'escrow', '467300', NULL, 1, 0, 'x', 1, 'EUR')`).run(e26)).toThrow(/duplicate key value violates unique constraint/);
    // A line of no entry has no year: refused before its reference would be.
    expect(() => db.exec(`INSERT INTO journal_lines (entry_id, seq, fact, role, account, aux, debit, credit, label, amount_orig, orig_currency)
      VALUES (999, 0, 'sale', 'escrow', '467300', NULL, 1, 0, 'x', 1, 'EUR')`)).toThrow(/null value in column "fiscal_year"/);
    expect(() => db.exec("INSERT INTO journal_line_rows_2026 (entry_id, seq, fact, role, account, debit, credit, label, amount_orig, orig_currency, fiscal_year) VALUES (999, 0, 'f', 'r', 'a', 1, 0, 'l', 1, 'EUR', '2026')"))
      .toThrow(/foreign key constraint/);

    // 2025 detached: its rows leave the store's tables, kept whole in the detached tables; 2026 stays.
    db.exec("SELECT ventil_detach_year('2025')");
    expect(db.prepare('SELECT DISTINCT fiscal_year FROM journal_entries ORDER BY 1').pluck().all()).toEqual(['2026', '2027', '2028']);
    expect(db.prepare('SELECT count(*) FROM journal_lines WHERE entry_id = ?').pluck().get(e26)).toBe(2);
    expect(db.prepare('SELECT count(*) FROM journal_line_rows_2025').pluck().get()).toBe(2);
    expect(db.prepare("SELECT order_id FROM settlement_lines WHERE order_id LIKE 'O2%' ORDER BY 1").pluck().all()).toEqual(['O26', 'O26B', 'O27', 'O28']);
    expect(db.prepare("SELECT order_id FROM entity_share_rows_2025").pluck().all()).toEqual(['O25']);

    db.transaction(() => migrations[at]!.down(db))();
    expect(db.prepare("SELECT count(*) FROM pg_class WHERE relkind = 'p'").pluck().get()).toBe(0);
    expect(db.prepare('SELECT DISTINCT fiscal_year FROM journal_entries ORDER BY 1').pluck().all()).toEqual(['2026', '2027', '2028']);
    expect(db.prepare('SELECT count(*) FROM journal_lines').pluck().get()).toBe(8);
    expect(() => db.exec('UPDATE journal_lines SET debit = 1')).toThrow('journal entries are immutable; post a reversing entry');
    expect(settledOrder(db, 'O29', '2029')).toBeGreaterThan(e26b);
  });

  it('has every opening of the database open the partitions of the current year and the next (the shares in their revisions since 0018)', () => {
    const url = sharedPostgres().createDatabase('opened_0014');
    const { db } = openDatabase({ file: url, now: () => FROZEN_NOW });
    try {
      expect(db.prepare("SELECT relname FROM pg_class WHERE relname ~ '_20[0-9][0-9]$' ORDER BY 1").pluck().all()).toEqual([
        'journal_entries_2026', 'journal_entries_2027', 'journal_line_rows_2026', 'journal_line_rows_2027',
        'settlement_line_rows_2026', 'settlement_line_rows_2027', 'settlement_revision_rows_2026', 'settlement_revision_rows_2027',
      ]);
      expect(openYearPartitions(db, FROZEN_NOW)).toEqual([]);
    } finally {
      db.close();
    }
  });
});
