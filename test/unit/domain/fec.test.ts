// The FEC renderer and the A47 A-1 checker: a valid file passes, and each rule the checker
// enforces catches a file that breaks it.
import { describe, expect, it } from 'vitest';
import { checkFec, encodeLatin9, entryNumber, FEC_COLUMNS, fecFileName, renderFec, type ExportEntry } from '../../../core/domain/fec.js';

const line = (account: string, debit: number, credit: number, extra: Partial<ExportEntry['lines'][number]> = {}) => ({
  account, accountLabel: `Compte ${account}`, aux: null, auxLabel: null, debit, credit, label: 'Vente W-1001/1', origAmount: debit - credit, origCurrency: 'EUR', ...extra,
});

function entry(n: number, date: string, lines: ExportEntry['lines'], journal = 'VE'): ExportEntry {
  return {
    entity: 'HQ', journal, journalLabel: journal === 'VE' ? 'Ventes' : 'Banque et PSP', number: entryNumber(journal, '2026', n), date, validDate: '2026-04-01',
    label: 'Vente W-1001/1', pieceRef: 'W-1001', pieceDate: date, currency: 'EUR', sourceKey: 'ful:W-1001:1', order: 'W-1001', lines,
  };
}

const good = [
  entry(1, '2026-03-02', [line('467300', 12000, 0), line('707000', 0, 10000), line('445710', 0, 2000)]),
  entry(1, '2026-03-02', [line('467100', 18500, 0), line('467300', 0, 18500)], 'BQ'),
  entry(2, '2026-03-05', [line('467300', 6000, 0), line('467200', 0, 6000, { aux: 'VILL', auxLabel: 'Villeurbanne Commerce SAS' })]),
  entry(2, '2026-03-06', [line('467100', 9900, 0, { origAmount: 1000000, origCurrency: 'JPY' }), line('467300', 0, 9900, { origAmount: -1000000, origCurrency: 'JPY' })], 'BQ'),
];
const period = { start: '2026-01-01', end: '2026-12-31' };

describe('renderFec', () => {
  const text = renderFec(good);
  const rows = text.split('\r\n');

  it('writes the 18 columns, | separated, decimal comma, dates YYYYMMDD', () => {
    expect(rows[0]).toBe(FEC_COLUMNS.join('|'));
    expect(rows[1]).toBe('VE|Ventes|VE2026-000001|20260302|467300|Compte 467300|||W-1001|20260302|Vente W-1001/1|120,00|0,00|||20260401||');
    expect(rows[7]).toBe('VE|Ventes|VE2026-000002|20260305|467200|Compte 467200|VILL|Villeurbanne Commerce SAS|W-1001|20260305|Vente W-1001/1|0,00|60,00|||20260401||');
    expect(rows[8]).toContain('|99,00|0,00|||20260401|1000000|JPY');
    expect(rows.at(-1)).toBe('');
    expect(checkFec(text, { ...period, sequential: true })).toMatchObject({ ok: true, entries: 4, lines: 9, debit: 46400, credit: 46400 });
  });

  it('names the file <SIREN>FEC<closing date>.txt', () => {
    expect(fecFileName('552100554', '2026-12-31')).toBe('552100554FEC20261231.txt');
  });

  it('encodes ISO 8859-15 (é, €) and falls back to ASCII for what it lacks', () => {
    expect([...encodeLatin9('é€œ—x')]).toEqual([0xe9, 0xa4, 0xbd, 0x2d, 0x78]);
    // Outside ISO 8859-15 (the Latin-1 signs it replaced, other scripts): closest ASCII, else ?.
    expect([...encodeLatin9('ő¤½中\u00a0')]).toEqual([0x6f, 0x3f, 0x3f, 0x3f, 0xa0]);
    expect(new TextDecoder('iso-8859-15').decode(encodeLatin9('Régularisation : période close'))).toBe('Régularisation : période close');
  });

  it('keeps separators out of the fields', () => {
    const e = entry(1, '2026-03-02', [line('467300', 100, 0, { label: 'a|b\nc' }), line('707000', 0, 100)]);
    const t = renderFec([e]);
    expect(t.split('\r\n')[1]!.split('|')).toHaveLength(18);
    expect(checkFec(t, period).ok).toBe(true);
  });
});

describe('checkFec catches what breaks A47 A-1', () => {
  const text = renderFec(good);
  const codes = (t: string, opts = {}) => checkFec(t, { ...period, ...opts }).issues.map((i) => i.code);
  const edit = (row: number, col: number, value: string) => {
    const rows = text.split('\r\n');
    const f = rows[row]!.split('|');
    f[col] = value;
    rows[row] = f.join('|');
    return rows.join('\r\n');
  };

  it('a wrong header', () => expect(codes(text.replace('JournalCode', 'Journal'))).toContain('header'));
  it('a missing column', () => expect(codes(text.replace('|Ventes|VE2026-000001', '|VE2026-000001'))).toContain('columns'));
  it('a date that is not YYYYMMDD', () => expect(codes(edit(1, 3, '2026-03-02'))).toContain('date'));
  it('a date outside the fiscal year', () => expect(codes(text, { start: '2026-03-03' })).toContain('date_outside_period'));
  it('an amount with a decimal point', () => expect(codes(edit(1, 11, '120.00'))).toContain('amount'));
  it('an unbalanced entry, and an unbalanced file', () => {
    const c = codes(edit(1, 11, '120,01'));
    expect(c).toContain('unbalanced_entry');
    expect(c).toContain('unbalanced_file');
  });
  it('a gap in the numbering of a journal', () => expect(codes(text.replace(/VE2026-000002/g, 'VE2026-000003'), { sequential: true })).toContain('numbering'));
  it('an account that does not start with three digits', () => expect(codes(edit(1, 4, 'X67300'))).toContain('account'));
  it('an auxiliary number without its label', () => expect(codes(edit(7, 7, ''))).toContain('aux'));
  it('a currency amount without its currency', () => expect(codes(edit(8, 17, ''))).toContain('currency'));
  it('a validation date before the entry date', () => expect(codes(edit(1, 15, '20260301'))).toContain('valid_before_date'));
  it('a missing piece reference', () => expect(codes(edit(1, 8, ''))).toContain('missing'));
});
