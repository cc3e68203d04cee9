// The one CSV writer (core/domain/csv.ts) and the one parser (core/sync/csv.ts): RFC 4180
// quoting, CRLF, and formula injection kept out of every export (books, audit trail, settlement
// reports, the back office's tables, which use the same writer).
import { describe, expect, it } from 'vitest';
import { createContext } from '../../../core/api/context.js';
import { callApi } from '../../../core/api/index.js';
import { renderCsv } from '../../../core/domain/books-export.js';
import { csvOfObjects, csvText } from '../../../core/domain/csv.js';
import { entryNumber, type ExportEntry } from '../../../core/domain/fec.js';
import { CsvError, parseCsv, parseCsvObjects } from '../../../core/sync/csv.js';
import { parseSettlementCsv, settlementCsv } from '../../../core/sync/reconcile.js';
import { FROZEN_NOW, memoryDb, readExample } from '../../helpers/db.js';

/** OWASP's list: a cell starting with one of these runs as a formula in a spreadsheet. */
const ATTACKS = ['=HYPERLINK("http://x")', '+1+cmd|" /C calc"!A0', '-2+3', '@SUM(A1:A2)', '\t=1', '\r=1', '＝1'];

describe('csvText', () => {
  it('quotes as RFC 4180 says, ends every line with CRLF, and adds a BOM on request', () => {
    expect(csvText([['plain', 'a,b', 'say "hi"', 'two\nlines', 'cr\ronly', '', null, undefined, 42]]))
      .toBe('plain,"a,b","say ""hi""","two\nlines","cr\ronly",,,,42\r\n');
    expect(csvText([['a;b', '1,5', 'x']], { separator: ';', bom: true })).toBe('\uFEFF"a;b";1,5;x\r\n');
    expect(csvText([['h1', 'h2'], ['1', '2']])).toBe('h1,h2\r\n1,2\r\n');
    expect(csvOfObjects(['b', 'a'], [{ a: 1, b: 'x' }, { a: null }])).toBe('b,a\r\nx,1\r\n,\r\n');
  });

  it('prefixes every cell that a spreadsheet would run as a formula, and leaves numbers alone', () => {
    const line = csvText([ATTACKS]);
    const cells = parseCsv(line).rows[0]!;
    expect(cells).toEqual(ATTACKS.map((a) => `'${a}`));
    expect(csvText([['-12.50', '-12,50', -3, '0.05', '2026-03-01', '-']], { separator: ';' })).toBe('-12.50;-12,50;-3;0.05;2026-03-01;\'-\r\n');
  });
});

describe('every CSV export is guarded', () => {
  it('the books CSV (exports.csv and the ERP file drop)', () => {
    const entry: ExportEntry = {
      entity: 'HQ', journal: 'VE', journalLabel: 'Ventes', number: entryNumber('VE', '2026', 1), date: '2026-03-02', validDate: '2026-04-01',
      label: '=cmd', pieceRef: '@W-1001', pieceDate: '2026-03-02', currency: 'EUR', sourceKey: 'ful:W-1001:1', order: '+W-1001',
      lines: [
        { account: '467300', accountLabel: '=HYPERLINK("http://x")', aux: null, auxLabel: null, debit: 1000, credit: 0, label: '-remise', origAmount: -1000, origCurrency: 'EUR' },
        { account: '707000', accountLabel: 'Ventes', aux: null, auxLabel: null, debit: 0, credit: 1000, label: 'Vente', origAmount: 1000, origCurrency: 'EUR' },
      ],
    };
    const { rows } = parseCsv(renderCsv([entry]));
    expect(rows[1]).toEqual(['HQ', 'VE', 'Ventes', 'VE2026-000001', '2026-03-02', '2026-04-01', "'@W-1001", '2026-03-02', '467300', '\'=HYPERLINK("http://x")',
      '', '', "'-remise", '10.00', '0.00', 'EUR', '-10.00', 'EUR', 'ful:W-1001:1', "'+W-1001"]);
  });

  it('the audit trail export', () => {
    const db = memoryDb();
    const ctx = createContext(db, { now: () => FROZEN_NOW });
    expect(callApi(ctx, 'scenario.import', { scenario: readExample('network-basic.json') })).toMatchObject({ ok: true });
    expect(callApi(ctx, 'users.create', { name: '=1+1', login: 'formula', role: 'auditor', password: 'formula-password-1' })).toMatchObject({ ok: true });
    const out = callApi(ctx, 'audit.export', {}) as { ok: true; value: { csv: string } };
    const { records } = parseCsvObjects(out.value.csv);
    expect(records.map((r) => r.values.seq)).toEqual(['1', '2']);
    expect(JSON.parse(records[1]!.values.input!)).toMatchObject({ name: '=1+1' }); // JSON cells start with {
    expect(out.value.csv).not.toMatch(/(^|,)=1\+1/m);
  });

  it('a settlement report saved by `ventil reconcile --fetch --save`, which reads back the same', () => {
    const row = { balance_transaction_id: 'txn_1', created_utc: '2026-03-01T00:00:00Z', reporting_category: 'charge', source_id: '=ch_1', currency: 'eur', gross: '-12.00', fee: '0.00', net: '-12.00' };
    const csv = settlementCsv([row]);
    expect(csv.split('\r\n')[1]).toBe("txn_1,2026-03-01T00:00:00Z,charge,'=ch_1,eur,-12.00,0.00,-12.00,,,,,,,");
    expect(parseSettlementCsv(csv).rows[0]).toMatchObject({ gross: -1200, sourceId: "'=ch_1" });
  });
});

describe('parseCsv', () => {
  it('reads quotes, CRLF or LF, a BOM, and names the line each record starts on', () => {
    expect(parseCsv('\uFEFFa,b\r\n1,"x\ny"\r\n\r\n2,"say ""hi"""\n4,5')).toEqual({
      rows: [['a', 'b'], ['1', 'x\ny'], ['2', 'say "hi"'], ['4', '5']], lines: [1, 2, 5, 6],
    });
  });

  it('names the line of each problem', () => {
    const problem = (text: string) => { try { parseCsvObjects(text); return null; } catch (e) { return e instanceof CsvError ? [e.line, e.message] : e; } };
    expect(problem('a,b\n1,2,3\n')).toEqual([2, 'line 2: 3 fields, but the header has 2']);
    expect(problem('a,b\n\n"1\n\n2",x\n3\n')).toEqual([6, 'line 6: 1 fields, but the header has 2']);
    expect(problem('a,b\n1,"x\n')).toEqual([2, expect.stringMatching(/^line 2: Quote Not Closed/)]);
    expect(problem('a,b\n1,x"y"\n')).toEqual([2, expect.stringMatching(/^line 2: Invalid Opening Quote/)]);
  });
});
