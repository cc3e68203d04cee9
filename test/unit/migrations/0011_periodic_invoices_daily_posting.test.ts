// Migration 0011 on a database whose books were kept before it: per-order invoices (one per event,
// rule group and parties) with their entries. They keep their number, lines and amounts; their
// legs become the first items of their orders, so a return after the migration is taken back on a
// periodic credit note that names the per-order invoice it corrects, and the legs already booked
// with their orders are neither booked again nor reversed. down() keeps the per-order invoices.
import { describe, expect, it } from 'vitest';
import { migrations } from '../../../migrations/index.js';
import { migrate, openSqliteDatabase } from '../../../core/store/database.js';
import { entryWriter } from '../../../core/store/books-repo.js';
import { identityViolations, numberingGaps, unbalanced } from '../../helpers/books.js';
import { FROZEN_NOW } from '../../helpers/db.js';
import { basicScenario, call, clocked, ok, type Json } from '../../helpers/lifecycle.js';
import { postgresDatabases, postgresInstalled } from '../../helpers/postgres.js';

const NAME = '0011_periodic_invoices_daily_posting';
const index = migrations.findIndex((m) => m.name === NAME);

const LEGACY_BOOKS = `
    INSERT INTO entities (id, name, kind, siren) VALUES ('HQ', 'Maison', 'franchisor', '552100554'), ('LYON', 'Lyon', 'franchisee', '802314740'),
      ('VILL', 'Villeurbanne', 'franchisee', '412689127');
    INSERT INTO invoices (number, series, seq, kind, supplier, customer, issued_by, self_billed, issue_date, fiscal_year, group_name, currency, net, vat, total,
      vat_rate, order_id, line_id, source_key, credits, created_at) VALUES
      ('COM-LYON-2026-000001', 'COM-LYON-2026', 1, 'invoice', 'LYON', 'VILL', 'HQ', 1, '2026-03-05', '2026', 'commission', 'EUR', 750, 150, 900, '0.20', 'W-1002', '1', 'ful:W-1002:1', NULL, 'then'),
      ('ROY-HQ-2026-000001', 'ROY-HQ-2026', 1, 'invoice', 'HQ', 'VILL', 'HQ', 0, '2026-03-05', '2026', 'royalty', 'EUR', 600, 120, 720, '0.20', 'W-1002', '1', 'ful:W-1002:1', NULL, 'then'),
      ('AV-ROY-HQ-2026-000001', 'AV-ROY-HQ-2026', 1, 'credit_note', 'HQ', 'VILL', 'HQ', 0, '2026-03-06', '2026', 'royalty', 'EUR', 300, 60, 360, '0.20', 'W-1002', '1', 'ret:W-1002:1:x', 'ROY-HQ-2026-000001', 'then');
    INSERT INTO invoice_lines (invoice_id, seq, fact, rule_ref, to_role, description, base, rate, net, vat) VALUES
      (1, 0, 'leg:0', 'WEB-CC@1', 'pickup', 'Commission WEB-CC@1 — commande W-1002 ligne 1', 15000, '0.05', 750, 150),
      (2, 0, 'leg:1', 'ROYALTY@1', 'platform', 'Redevance ROYALTY@1 — commande W-1002 ligne 1', 15000, '0.04', 600, 120),
      (3, 0, 'leg:1', 'ROYALTY@1', 'platform', 'Redevance ROYALTY@1 — commande W-1002 ligne 1, retour', 7500, '0.04', 300, 60);`;

/** Per-order invoices as migration 0004 stored them, for the example's orders (without the return of W-1002). */
function legacyBooks() {
  const { db } = openSqliteDatabase({ file: ':memory:', now: () => FROZEN_NOW, migrations: migrations.slice(0, index) });
  const rows = (sql: string) => db.prepare(sql).all() as Json[];
  db.exec(LEGACY_BOOKS);
  const before = { invoices: rows('SELECT * FROM invoices ORDER BY id'), lines: rows('SELECT * FROM invoice_lines ORDER BY invoice_id, seq') };
  return { db, before };
}

describe(NAME, () => {
  it('keeps the per-order invoices whole and makes their legs the first items of their orders', () => {
    const { db, before } = legacyBooks();
    expect(migrate(db, ':memory:', migrations.slice(0, index + 1), () => FROZEN_NOW).applied).toEqual([NAME]);
    const after = db.prepare('SELECT * FROM invoices ORDER BY id').all() as Json[];
    expect(after.map(({ period: _period, ...r }) => r)).toEqual(before.invoices);
    expect(after.every((r) => r.period === null)).toBe(true);
    const lines = db.prepare('SELECT invoice_id, seq, fact, rule_ref, to_role, description, base, rate, net, vat, group_name, items FROM invoice_lines ORDER BY invoice_id, seq').all() as Json[];
    expect(lines.map(({ group_name: _group, items: _items, ...l }) => l)).toEqual(before.lines);
    expect(lines.map((l) => `${l.group_name} ${l.items}`)).toEqual(['commission 1', 'royalty 1', 'royalty 1']);
    const items = JSON.parse(db.prepare("SELECT items_json FROM invoice_items WHERE order_id = 'W-1002'").pluck().get() as string) as unknown[][];
    expect(items.map((i) => `${i[0]} ${i[1]} ${i[5]}>${i[6]} ${i[8]} ${i[9]} ${i[11]}+${i[12]} ${i[16]}`)).toEqual([
      'ful:W-1002:1 leg:0 LYON>VILL 2026-03 15000 750+150 COM-LYON-2026-000001',
      'ful:W-1002:1 leg:1 HQ>VILL 2026-03 15000 600+120 ROY-HQ-2026-000001',
      'ret:W-1002:1:x leg:1 HQ>VILL 2026-03 -7500 -300+-60 AV-ROY-HQ-2026-000001',
    ]);
    // Issued before: they count as sent; an insert after the migration continues the ids.
    expect(db.prepare('SELECT count(*) FROM invoice_deliveries').pluck().get()).toBe(3);
    expect(() => db.exec("UPDATE invoices SET net = 0 WHERE id = 1")).toThrow(/immutable/);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    // down() puts the former tables back with the per-order invoices.
    db.transaction(() => migrations[index]!.down(db))();
    expect(db.prepare('SELECT * FROM invoices ORDER BY id').all()).toEqual(before.invoices);
    expect(db.prepare('SELECT * FROM invoice_lines ORDER BY invoice_id, seq').all()).toEqual(before.lines);
    expect(db.pragma('foreign_key_check')).toEqual([]);
  });

  it('lets the books carry on: a later return is taken back on a periodic credit note naming the per-order invoice', () => {
    const { db } = openSqliteDatabase({ file: ':memory:', now: () => FROZEN_NOW });
    const clock = clocked(db, '2026-03-20T00:00:00Z');
    const s = basicScenario();
    const ret = s.events.filter((e: Json) => e.type === 'line_returned');
    s.events = s.events.filter((e: Json) => e.type !== 'line_returned');
    ok(call(clock.ctx, 'scenario.import', { scenario: s }));
    // Make W-1002's royalty what 0011 leaves of a per-order invoice: the invoice, its entries booked
    // with the order (fact leg:1), and its item carrying its number (in place of March's item).
    const items = JSON.parse(db.prepare("SELECT items_json FROM invoice_items WHERE order_id = 'W-1002'").pluck().get() as string) as unknown[][];
    const royalty = items.find((i) => i[2] === 'royalty')!;
    const [net, vat] = [royalty[11] as number, royalty[12] as number];
    db.transaction(() => {
      const inv = db.prepare(`INSERT INTO invoices (number, series, seq, kind, supplier, customer, issued_by, self_billed, issue_date, fiscal_year, period, group_name,
          currency, net, vat, total, vat_rate, order_id, line_id, source_key, credits, created_at)
        VALUES ('ROY-HQ-2026-000001', 'ROY-HQ-2026', 1, 'invoice', 'HQ', 'VILL', 'HQ', 0, '2026-03-05', '2026', NULL, 'royalty', 'EUR', ?, ?, ?, '0.20',
          'W-1002', '1', 'ful:W-1002:1', NULL, 'then')`).run(net, vat, net + vat).lastInsertRowid as number;
      db.prepare("INSERT INTO invoice_deliveries (invoice_id, sent_at, sent_by, channel) VALUES (?, 'then', 'migration 0011', 'legacy')").run(inv);
      const writer = entryWriter(db);
      const entry = (entity: string, journal: 'VE' | 'AC', lines: [string, string, string | null, number][]) => writer.insert({
        entity, journal, fiscal_year: '2026', entry_date: '2026-03-05', event_at: '2026-03-05T17:30:00Z', shifted: false, adjustment: false, valid_at: '2026-03-20T00:00:00Z',
        label: 'Redevance ROYALTY@1 W-1002/1', piece_ref: 'ROY-HQ-2026-000001', piece_date: '2026-03-05', source_key: 'ful:W-1002:1', order_id: 'W-1002', transfer_id: null,
        invoice_id: inv, currency: 'EUR', orig_currency: 'EUR', fx_rate: null, fx_date: null,
        lines: lines.map(([role, account, aux, a]) => ({ fact: 'leg:1', role, account, aux, debit: a > 0 ? a : 0, credit: a < 0 ? -a : 0, label: 'Redevance', amount_orig: a })),
      });
      entry('HQ', 'VE', [['network_current', '467200', 'VILL', net + vat], ['commissions_earned', '708200', null, -net], ['output_vat', '445710', null, -vat]]);
      entry('VILL', 'AC', [['commissions_paid', '622000', null, net], ['input_vat', '445660', null, vat], ['platform_current', '467000', 'HQ', -net - vat]]);
      royalty[16] = 'ROY-HQ-2026-000001';
      db.exec('DROP TRIGGER invoice_items_append_only');
      db.prepare("UPDATE invoice_items SET items_json = ? WHERE order_id = 'W-1002'").run(JSON.stringify(items));
      db.prepare(`UPDATE invoice_totals SET base = base - ?, net = net - ?, vat = vat - ?, items = items - 1
        WHERE supplier = 'HQ' AND customer = 'VILL' AND month = '2026-03' AND kind = 'invoice' AND group_name = 'royalty' AND rate = ?`).run(royalty[9], net, vat, royalty[10]);
    })();
    clock.set('2026-04-02T00:00:00Z');
    ok(call(clock.ctx, 'journal.post', { orders: [] }));
    ok(call(clock.ctx, 'events.submit', { events: ret }));
    clock.set('2026-05-01T08:00:00Z');
    ok(call(clock.ctx, 'journal.post', { orders: [] }));
    // The return of one unit of two takes back half the royalty on a periodic credit note (April's:
    // March's documents between HQ and VILL are issued), which corrects the per-order invoice.
    const note = (ok(call(clock.ctx, 'invoices.list', { kind: 'credit_note' })).rows as Json[]).find((n) => n.supplier === 'HQ')!;
    expect([note.period, note.net, note.vat, note.credits]).toEqual(['2026-04', net / 2, vat / 2, 'ROY-HQ-2026-000001']);
    // The leg booked with its order is neither booked again nor reversed with the order's entries.
    expect(db.prepare("SELECT count(*) FROM journal_lines WHERE fact LIKE 'leg:%'").pluck().get()).toBe(6);
    expect(unbalanced(db)).toEqual([]);
    expect(identityViolations(db)).toEqual([]);
    expect(numberingGaps(db)).toEqual([]);
  });
});


describe.skipIf(!postgresInstalled)(`${NAME} on PostgreSQL`, () => {
  const database = postgresDatabases('0011_periodic_invoices_daily_posting.test');

  it('keeps the per-order invoices whole, makes their legs the same first items as on SQLite, continues the ids; down() puts them back', () => {
    const db = database(migrations.slice(0, index));
    db.exec(LEGACY_BOOKS);
    const before = db.prepare('SELECT * FROM invoices ORDER BY id').all();
    const sqlite = legacyBooks().db;
    migrate(sqlite, ':memory:', migrations.slice(0, index + 1), () => FROZEN_NOW);
    db.transaction(() => migrations[index]!.up(db))();
    expect((db.prepare('SELECT * FROM invoices ORDER BY id').all() as Json[]).map(({ period: _period, ...r }) => r)).toEqual(before);
    const items = (d: typeof db) => (d.prepare('SELECT order_id, seq, items_json FROM invoice_items ORDER BY order_id').raw().all() as [string, number, string][])
      .map(([o, q, j]) => [o, q, JSON.parse(j)]);
    expect(items(db)).toEqual(items(sqlite));
    expect(db.prepare('SELECT * FROM invoice_lines ORDER BY invoice_id, seq').all()).toEqual(sqlite.prepare('SELECT * FROM invoice_lines ORDER BY invoice_id, seq').all());
    expect(db.prepare('SELECT count(*) FROM invoice_deliveries').pluck().get()).toBe(3);
    expect(() => db.exec('UPDATE invoices SET net = 0 WHERE id = 1')).toThrow('invoices are immutable; issue a credit note');
    const next = () => db.prepare(`INSERT INTO invoices (number, series, seq, kind, supplier, customer, issued_by, self_billed, issue_date, fiscal_year, period, currency, net, vat, total, vat_rate, source_key, created_at)
      VALUES ('FAC-HQ-2026-000001', 'FAC-HQ-2026', 1, 'invoice', 'HQ', 'VILL', 'HQ', 0, '2026-03-31', '2026', '2026-03', 'EUR', 1, 0, 1, '0.20', 'k', 'now') RETURNING id`).pluck().get();
    expect(db.transaction(next)()).toBe(4);
    db.transaction(() => migrations[index]!.down(db))();
    expect(db.prepare('SELECT * FROM invoices ORDER BY id').all()).toEqual(before);
    expect(db.prepare("SELECT count(*) FROM pg_tables WHERE tablename IN ('invoice_items', 'subledger', 'daily_batches', 'posting_granularity')").pluck().get()).toBe(0);
  });
});
