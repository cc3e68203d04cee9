// Exports of the books: the FEC checked against article A47 A-1 by a checker written here,
// independently of the exporter's own; the hledger journal checked by the REAL hledger
// (`hledger check`, and `hledger bal` equal to Ventil's trial balance); the CSV; the command
// line, including bad input (named errors, exit 2, no file written).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../core/api/context.js';
import { callApi } from '../../core/api/index.js';
import { generateScenario } from '../../core/demo/generate.js';
import { openDatabase } from '../../core/store/database.js';
import type { Db } from '../../core/store/db.js';
import { ventil } from '../helpers/cli.js';
import { exampleFile, readExample, tempDir } from '../helpers/db.js';
import { call, clocked, err, ok, type Json } from '../helpers/lifecycle.js';
import { deliverAllTransfers, sendAllInvoices } from '../helpers/books.js';

const tmp = tempDir('ventil-exports-');
afterAll(() => tmp.cleanup());

const HLEDGER = (() => {
  const r = spawnSync('hledger', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
})();

/**
 * A database with the example network through a year: imported and released in March, more
 * orders in the second half, fiscal years 2026 closed in January 2027 (VILL's in July 2026).
 */
function buildBooks(file: string): Db {
  const { db } = openDatabase({ file, now: () => new Date('2026-04-01T12:00:00Z') });
  const clock = clocked(db, '2026-04-01T12:00:00Z');
  ok(call(clock.ctx, 'scenario.import', { scenario: readExample('network-basic.json') }));
  ok(call(clock.ctx, 'release.run', {}));
  const later = readExample('network-basic.json');
  later.orders = later.orders.map((o: Json) => ({ ...o, id: `${o.id}-B`, created_at: o.created_at.replace('2026-03', '2026-08'), payments: o.payments.map((p: Json) => ({ ...p, id: `${p.id}-B`, captured_at: p.captured_at.replace('2026-03', '2026-08') })) }));
  later.events = later.events.map((e: Json) => ({ ...e, order: `${e.order}-B`, at: e.at.replace('2026-03', '2026-08') }));
  clock.set('2026-08-20T00:00:00Z');
  ok(call(clock.ctx, 'scenario.import', { scenario: later }));
  clock.set('2026-09-01T00:00:00Z');
  ok(call(clock.ctx, 'release.run', {}));
  clock.set('2027-01-15T00:00:00Z');
  ok(call(clock.ctx, 'journal.post', { orders: [] }));
  sendAllInvoices(clock.ctx);
  deliverAllTransfers(db);
  for (const e of ['HQ', 'LYON', 'LILLE', 'VILL']) ok(call(clock.ctx, 'journal.periods.close', { entity: e, period: '2026' }));
  return db;
}

const FEC_HEADER = 'JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|CompAuxLib|PieceRef|PieceDate|EcritureLib|Debit|Credit|EcritureLet|DateLet|ValidDate|Montantdevise|Idevise';

/** The checks of article A47 A-1, written from the text of the article (not from the exporter). */
function a47(text: string, fy: { start: string; end: string }): string[] {
  const problems: string[] = [];
  const rows = text.split('\r\n');
  expect(rows.pop()).toBe('');
  if (rows[0] !== FEC_HEADER) problems.push('header');
  const date = /^(\d{4})(\d{2})(\d{2})$/;
  const cents = (s: string) => (/^\d+,\d{2}$/.test(s) ? Number(s.replace(',', '')) : NaN);
  const entries = new Map<string, { d: number; c: number; dates: Set<string> }>();
  const seq = new Map<string, number>();
  let D = 0;
  let C = 0;
  let lastValid = '';
  let lastKey = '';
  const start = fy.start.replace(/-/g, '');
  const end = fy.end.replace(/-/g, '');
  rows.slice(1).forEach((row, i) => {
    const f = row.split('|');
    if (f.length !== 18) { problems.push(`row ${i}: ${f.length} columns`); return; }
    const [jc, , num, ed, cn, cl, an, al, pr, pd, lib, d, c, , , vd, md, id] = f as string[];
    for (const [name, v] of [['EcritureDate', ed], ['PieceDate', pd], ['ValidDate', vd]] as const) {
      const m = date.exec(v!);
      if (!m || new Date(`${m[1]}-${m[2]}-${m[3]}T00:00:00Z`).toISOString().slice(0, 10) !== `${m[1]}-${m[2]}-${m[3]}`) problems.push(`row ${i}: ${name} ${v}`);
    }
    if (ed! < start || ed! > end) problems.push(`row ${i}: EcritureDate ${ed} outside the fiscal year`);
    // The à-nouveaux (journal AN) open the file; the other entries follow in validation order.
    if (jc === 'AN') {
      if (lastKey !== '' && !lastKey.startsWith('AN/')) problems.push(`row ${i}: an à-nouveau after other entries`);
    } else {
      if (vd! < lastValid) problems.push(`row ${i}: not in validation order`);
      lastValid = vd!;
    }
    if (!jc || !num || !cn || !cl || !pr || !lib) problems.push(`row ${i}: a mandatory field is empty`);
    if (!/^\d{3}/.test(cn!)) problems.push(`row ${i}: CompteNum ${cn}`);
    if (!!an !== !!al) problems.push(`row ${i}: CompAuxNum/CompAuxLib`);
    if (!!md !== !!id) problems.push(`row ${i}: Montantdevise/Idevise`);
    const dv = cents(d!);
    const cv = cents(c!);
    if (Number.isNaN(dv) || Number.isNaN(cv) || (dv > 0 && cv > 0)) problems.push(`row ${i}: amounts ${d} ${c}`);
    D += dv;
    C += cv;
    const key = `${jc}/${num}`;
    let e = entries.get(key);
    if (!e) {
      entries.set(key, (e = { d: 0, c: 0, dates: new Set() }));
      const n = Number(/-(\d+)$/.exec(num!)?.[1]);
      if (n !== (seq.get(jc!) ?? 0) + 1) problems.push(`${key}: numbering gap`);
      seq.set(jc!, n);
    } else if (key !== lastKey) problems.push(`${key}: lines not together`);
    lastKey = key;
    e.d += dv;
    e.c += cv;
    e.dates.add(ed!);
  });
  for (const [k, e] of entries) {
    if (e.d !== e.c) problems.push(`${k}: unbalanced ${e.d} ${e.c}`);
    if (e.dates.size !== 1) problems.push(`${k}: several dates`);
  }
  if (D !== C) problems.push(`file unbalanced ${D} ${C}`);
  return problems;
}

describe('exports', () => {
  let db: Db;
  let ctx: ReturnType<typeof createContext>;
  const dbFile = join(tmp.dir, 'books.db');
  beforeAll(() => {
    db = buildBooks(dbFile);
    ctx = createContext(db, { now: () => new Date('2027-01-15T00:00:00Z') });
  });
  afterAll(() => db.close());

  it('writes the FEC of a closed fiscal year that passes A47 A-1', () => {
    for (const [entity, siren, fy] of [['HQ', '552100554', { start: '2026-01-01', end: '2026-12-31' }], ['VILL', '412689127', { start: '2025-07-01', end: '2026-06-30' }], ['LYON', '802314740', { start: '2026-01-01', end: '2026-12-31' }]] as const) {
      const f = ok(callApi(ctx, 'exports.fec', { entity, period: '2026' }));
      expect(f.name).toBe(`${siren}FEC${fy.end.replace(/-/g, '')}.txt`);
      expect(f.encoding).toBe('ISO-8859-15');
      const text = new TextDecoder('iso-8859-15').decode(Buffer.from(f.base64, 'base64'));
      expect(text).toBe(f.content);
      expect(a47(text, fy)).toEqual([]);
      expect(f.entries).toBeGreaterThan(3);
      const stored = db.prepare('SELECT count(*) FROM journal_entries WHERE entity = ? AND entry_date BETWEEN ? AND ?').pluck().get(entity, fy.start, fy.end);
      expect(f.entries).toBe(stored);
    }
  });

  it('writes accents in ISO 8859-15 and refuses a fiscal year that is not closed', () => {
    const f = ok(callApi(ctx, 'exports.fec', { entity: 'HQ', period: '2026' }));
    expect(Buffer.from(f.base64, 'base64').includes(0xe9)).toBe(true); // é of "Opérations diverses"
    const e = err(callApi(ctx, 'exports.fec', { entity: 'HQ', period: '2027' }));
    expect(e.code).toBe('fiscal_year_not_closed');
    // A month is an interim extract, allowed while open, named after its last day.
    const month = ok(callApi(ctx, 'exports.fec', { entity: 'HQ', period: '2026-08' }));
    expect(month.name).toBe('552100554FEC20260831.txt');
  });

  it('passes the real hledger: `hledger check`, and `hledger bal` equals Ventil\'s trial balance', () => {
    expect(HLEDGER, 'hledger is not installed: apt-get install -y hledger').not.toBeNull();
    for (const entity of ['HQ', 'LYON', 'VILL', 'LILLE']) {
      for (const period of ['2026', '2026-08']) {
        const f = ok(callApi(ctx, 'exports.ledger', { entity, period }));
        const file = join(tmp.dir, f.name);
        writeFileSync(file, Buffer.from(f.base64, 'base64'));
        const check = spawnSync('hledger', ['-f', file, 'check', '--strict', 'ordereddates'], { encoding: 'utf8' });
        expect(check.stderr, `${entity} ${period}`).toBe('');
        expect(check.status).toBe(0);
        const csv = execFileSync('hledger', ['-f', file, 'bal', '-O', 'csv', '--no-total'], { encoding: 'utf8' });
        const fromHledger = new Map(csv.trim().split('\n').slice(1).map((l) => {
          const [account, amount] = l.split(',').map((x) => x.replace(/"/g, '')) as [string, string];
          return [account, Math.round(Number(amount.replace(/ EUR$/, '')) * 100)];
        }));
        const tb = ok(callApi(ctx, 'journal.trialBalance', { entity, period }));
        const fromVentil = new Map((tb.rows as Json[]).filter((r) => r.debit !== r.credit).map((r) => [r.account, r.debit - r.credit]));
        expect(Object.fromEntries([...fromHledger].filter(([, v]) => v !== 0))).toEqual(Object.fromEntries(fromVentil));
        expect(fromHledger.size).toBeGreaterThan(2);
        expect(tb.totals.debit).toBe(tb.totals.credit);
      }
    }
  });

  it('writes a CSV with one row per journal line', () => {
    const f = ok(callApi(ctx, 'exports.csv', { entity: 'VILL', period: '2026' }));
    const rows = f.content.trim().split('\r\n');
    expect(rows[0]).toBe('entity,journal,journal_label,entry_number,entry_date,valid_date,piece_ref,piece_date,account,account_label,aux,aux_label,label,debit,credit,currency,orig_amount,orig_currency,event,order');
    expect(rows.length - 1).toBe(f.lines);
    const total = (col: number) => rows.slice(1).reduce((s: number, r: string) => s + Math.round(Number(r.split(',')[col]) * 100), 0);
    expect(total(13)).toBe(total(14));
  });

  it('ventil export writes the file, or exits 2 with a named error and writes nothing', () => {
    const out = join(tmp.dir, 'out');
    const r = ventil(['export', 'fec', '--entity', 'HQ', '--period', '2026', '--out', out, '--db', dbFile]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readdirSync(out)).toEqual(['552100554FEC20261231.txt']);
    expect(a47(new TextDecoder('iso-8859-15').decode(readFileSync(join(out, '552100554FEC20261231.txt'))), { start: '2026-01-01', end: '2026-12-31' })).toEqual([]);
    const bad = join(tmp.dir, 'bad');
    const unknown = ventil(['export', 'fec', '--entity', 'NOPE', '--period', '2026', '--out', bad, '--db', dbFile]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/no entity "NOPE" \[unknown_entity\]/);
    const named = ventil(['export', 'fec', '--entity', 'HQ', '--period', '2027', '--out', bad, '--db', dbFile, '--json']);
    expect(named.status).toBe(2);
    expect(JSON.parse(named.stdout).error.code).toBe('fiscal_year_not_closed');
    expect(existsSync(bad)).toBe(false);
  });
});

describe('opening entries (à-nouveaux)', () => {
  it('open the next fiscal year with the closed one\'s balance-sheet balances; its FEC starts with them and passes A47 A-1 and hledger', () => {
    const file = join(tmp.dir, 'opening.db');
    const db = buildBooks(file);
    const clock = clocked(db, '2027-01-15T00:00:00Z');
    // The à-nouveaux of 2027, posted when 2026 was closed: balanced, classes 1 to 5 and the result.
    for (const entity of ['HQ', 'LYON']) {
      const an = ok(call(clock.ctx, 'journal.entries', { entity, journal: 'AN' })).entries as Json[];
      expect(an.map((e) => `${e.number} ${e.date}`)).toEqual(['AN2027-000001 2027-01-01']);
      const lines = an[0].lines as Json[];
      expect(lines.reduce((s, l) => s + l.debit - l.credit, 0)).toBe(0);
      expect(lines.every((l) => /^[1-5]/.test(l.account))).toBe(true);
      expect(lines.some((l) => l.account === '120000' || l.account === '129000')).toBe(true);
      // Carried: each balance-sheet account's closing balance of 2026 is the opening of 2027.
      const closing = new Map((ok(call(clock.ctx, 'journal.trialBalance', { entity, period: '2026' })).rows as Json[]).filter((r) => /^[1-5]/.test(r.account) && !/^12/.test(r.account)).map((r) => [r.account, r.closing]));
      const opening = new Map((ok(call(clock.ctx, 'journal.trialBalance', { entity, period: '2027' })).rows as Json[]).filter((r) => /^[1-5]/.test(r.account) && !/^12/.test(r.account)).map((r) => [r.account, r.opening]));
      expect(Object.fromEntries(opening)).toEqual(Object.fromEntries([...closing].filter(([, v]) => v !== 0)));
    }
    // A year of 2027: orders in February, a release run, then 2027 is closed in January 2028.
    const y2027 = readExample('network-basic.json');
    y2027.orders = y2027.orders.map((o: Json) => ({ ...o, id: `${o.id}-C`, created_at: o.created_at.replace('2026-03', '2027-02'), payments: o.payments.map((p: Json) => ({ ...p, id: `${p.id}-C`, captured_at: p.captured_at.replace('2026-03', '2027-02') })) }));
    y2027.events = y2027.events.map((e: Json) => ({ ...e, order: `${e.order}-C`, at: e.at.replace('2026-03', '2027-02') }));
    clock.set('2027-02-28T00:00:00Z');
    ok(call(clock.ctx, 'scenario.import', { scenario: y2027 }));
    clock.set('2027-03-20T00:00:00Z');
    ok(call(clock.ctx, 'release.run', {}));
    clock.set('2028-01-10T00:00:00Z');
    ok(call(clock.ctx, 'journal.post', { orders: [] }));
    sendAllInvoices(clock.ctx);
    deliverAllTransfers(db);
    for (const entity of ['HQ', 'LYON']) {
      ok(call(clock.ctx, 'journal.periods.close', { entity, period: '2027' }));
      const f = ok(call(clock.ctx, 'exports.fec', { entity, period: '2027' }));
      const rows = (f.content as string).split('\r\n').slice(1, -1);
      expect(rows[0]!.startsWith('AN|À-nouveaux|AN2027-000001|20270101|'), entity).toBe(true);
      expect(a47(f.content, { start: '2027-01-01', end: '2027-12-31' }), entity).toEqual([]);
      expect(HLEDGER, 'hledger is not installed: apt-get install -y hledger').not.toBeNull();
      const ledger = ok(call(clock.ctx, 'exports.ledger', { entity, period: '2027' }));
      const path = join(tmp.dir, `opening-${ledger.name}`);
      writeFileSync(path, Buffer.from(ledger.base64, 'base64'));
      expect(spawnSync('hledger', ['-f', path, 'check', '--strict', 'ordereddates'], { encoding: 'utf8' }).stderr).toBe('');
      // hledger's balances of the year's file (à-nouveaux and entries) are Ventil's closing balances.
      const csv = execFileSync('hledger', ['-f', path, 'bal', '-O', 'csv', '--no-total'], { encoding: 'utf8' });
      const fromHledger = Object.fromEntries(csv.trim().split('\n').slice(1).map((l) => {
        const [account, amount] = l.split(',').map((x) => x.replace(/"/g, '')) as [string, string];
        return [account, Math.round(Number(amount.replace(/ EUR$/, '')) * 100)];
      }).filter(([, v]) => v !== 0));
      const tb = ok(call(clock.ctx, 'journal.trialBalance', { entity, period: '2027' }));
      expect(fromHledger).toEqual(Object.fromEntries((tb.rows as Json[]).filter((r) => r.closing !== 0).map((r) => [r.account, r.closing])));
      expect(ok(call(clock.ctx, 'journal.entries', { entity, journal: 'AN' })).entries.map((e: Json) => e.number)).toEqual(['AN2027-000001', 'AN2028-000001']);
    }
    db.close();
  });
});

describe('a clock behind the events', () => {
  it('still validates entries in order: the FEC of a month passes', () => {
    const db = openDatabase({ file: ':memory:', now: () => new Date('2026-04-01T12:00:00Z') }).db;
    const clock = clocked(db, '2026-04-01T12:00:00Z'); // the orders are of September to November
    ok(call(clock.ctx, 'scenario.import', { scenario: generateScenario({ seed: 5, franchisees: 4, orders: 80 }) }));
    for (const month of ['2026-09', '2026-10', '2026-11']) {
      const f = ok(callApi(clock.ctx, 'exports.fec', { entity: 'HQ', period: month }));
      expect(f.entries).toBeGreaterThan(0);
      const p = ok(callApi(clock.ctx, 'journal.periods.list', { entity: 'HQ' }));
      expect(p.years.length).toBeGreaterThan(0);
    }
    const valid = db.prepare("SELECT valid_at FROM journal_entries WHERE entity = 'HQ' ORDER BY id").pluck().all() as string[];
    expect(valid).toEqual([...valid].sort());
    db.close();
  });
});

describe('the command line, end to end', () => {
  it('import then release leave every entity\'s journal complete; ventil journal prints it', () => {
    const dbFile = join(tmp.dir, 'cli.db');
    expect(ventil(['import', exampleFile('network-basic.json'), '--db', dbFile]).status).toBe(0);
    const rel = ventil(['release', '--as-of', '2026-04-01T00:00:00Z', '--db', dbFile, '--json']);
    expect(rel.status).toBe(0);
    const transfers = JSON.parse(rel.stdout).transfers as Json[];
    expect(transfers.length).toBe(4);
    const j = ventil(['journal', '--db', dbFile, '--json']);
    expect(j.status).toBe(0);
    const journals = JSON.parse(j.stdout).journals as Json[];
    expect(journals.map((x) => x.entity)).toEqual(['HQ', 'LILLE', 'LYON', 'VILL']);
    for (const t of transfers) {
      const book = journals.find((x) => x.entity === t.entity)!;
      expect(book.entries.some((e: Json) => e.transfer === t.id), `${t.entity} ${t.id}`).toBe(true);
    }
    const text = ventil(['journal', '--entity', 'LYON', '--period', '2026-03', '--db', dbFile]);
    expect(text.stdout).toMatch(/VE2026-000002 {2}2026-03-31 {2}Facture FAC-LYON-2026-000001 : commissions et redevances de mars 2026 {2}\[FAC-LYON-2026-000001\]/);
    expect(text.stdout).toMatch(/467000-HQ +Compte courant plateforme +6\.00/);
    // Closing waits for the month's invoices to be sent, and says so.
    const refused = ventil(['periods', 'close', '--entity', 'LYON', '--period', '2026-03', '--db', dbFile]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/FAC-LYON-2026-000001 .* is not sent .*\[invoice_not_sent\]/);
    const inv = ventil(['invoices', '--entity', 'LYON', '--period', '2026', '--out', join(tmp.dir, 'inv'), '--send', '--db', dbFile]);
    expect(inv.status).toBe(0);
    expect(inv.stdout).toMatch(/recorded 4 invoice\(s\) as sent/);
    expect(readdirSync(join(tmp.dir, 'inv')).sort()).toEqual(['AV-LYON-2026-000001.html', 'FAC-HQ-2026-000001.html', 'FAC-LYON-2026-000001.html', 'FAC-LYON-2026-000002.html', 'releve_LYON_2026.html']);
    const annexes = ventil(['invoices', '--entity', 'LYON', '--period', '2026-03', '--out', join(tmp.dir, 'annex'), '--format', 'csv', '--db', dbFile]);
    expect(annexes.status).toBe(0);
    expect(readdirSync(join(tmp.dir, 'annex')).sort()).toEqual(['AV-LYON-2026-000001_annexe.csv', 'FAC-HQ-2026-000001_annexe.csv', 'FAC-LYON-2026-000001_annexe.csv', 'FAC-LYON-2026-000002_annexe.csv']);
    expect(readFileSync(join(tmp.dir, 'annex', 'FAC-LYON-2026-000001_annexe.csv'), 'utf8')).toContain('FAC-LYON-2026-000001,W-1001,1,ful:W-1001:1,2026-03-02,commission,WEB-HOME@1,seller,100.00,0.05,5.00,1.00,EUR,');
    const periods = ventil(['periods', 'close', '--entity', 'LYON', '--period', '2026-03', '--db', dbFile]);
    expect(periods.stdout).toMatch(/closed LYON 2026-03: 2026-03; ERP batches queued: ventil.erp:LYON:2026-03/);
    expect(ventil(['post', '--db', dbFile]).stdout).toMatch(/posted 0 entries and 0 invoice\(s\)/);
  }, 240_000); // eleven runs of the command line, each starting Node and tsx (slow on a shared machine)
});
