// The FEC (fichier des écritures comptables, article A47 A-1 of the Livre des procédures
// fiscales): rendering an entity's entries for a period, and checking a file against the rules
// of the article (tests and the export itself run the check, so a bad file is never written).
//
// Format: 18 columns in the order of the article, first line the column names, `|` separator,
// decimal comma without thousands separator, dates YYYYMMDD, one line per journal line,
// entries in validation order, CRLF line ends. Encoded ISO 8859-15 by the exporter
// (`encodeLatin9`), one of the encodings the administration reads.
import iconv from 'iconv-lite';
import { compactDate } from './books-calendar.js';
import { formatMinor, type Minor } from './money.js';

export const FEC_COLUMNS = [
  'JournalCode', 'JournalLib', 'EcritureNum', 'EcritureDate', 'CompteNum', 'CompteLib', 'CompAuxNum', 'CompAuxLib', 'PieceRef',
  'PieceDate', 'EcritureLib', 'Debit', 'Credit', 'EcritureLet', 'DateLet', 'ValidDate', 'Montantdevise', 'Idevise',
] as const;

export interface ExportLine {
  account: string;
  accountLabel: string;
  aux: string | null;
  auxLabel: string | null;
  /** Book currency, minor units, one of the two is 0. */
  debit: Minor;
  credit: Minor;
  label: string;
  /** Signed amount in the event's currency, and that currency. */
  origAmount: Minor;
  origCurrency: string;
}

export interface ExportEntry {
  entity: string;
  journal: string;
  journalLabel: string;
  /** EcritureNum: journal, fiscal year and number, e.g. VE2026-000012. */
  number: string;
  date: string;
  validDate: string;
  label: string;
  pieceRef: string;
  pieceDate: string;
  currency: string;
  sourceKey: string;
  order: string | null;
  lines: ExportLine[];
}

export const entryNumber = (journal: string, fiscalYear: string, n: number) => `${journal}${fiscalYear}-${String(n).padStart(6, '0')}`;

/** `<SIREN>FEC<closing date YYYYMMDD>.txt` */
export const fecFileName = (siren: string, closingDate: string) => `${siren}FEC${compactDate(closingDate)}.txt`;

/** Amount with a decimal comma, no thousands separator: 1234.5 EUR → "1234,50". */
export const fecAmount = (amount: Minor, currency: string) => formatMinor(amount, currency).replace('.', ',');

/** A field as the FEC may hold it: no separator, no line break, no surrounding spaces. */
export function fecText(s: string | null | undefined): string {
  return (s ?? '').replace(/[|\t\r\n]+/g, ' ').trim();
}

export function renderFec(entries: readonly ExportEntry[]): string {
  const rows: string[] = [FEC_COLUMNS.join('|')];
  for (const e of entries) {
    for (const l of e.lines) {
      const foreign = l.origCurrency !== e.currency;
      rows.push([
        e.journal, e.journalLabel, e.number, compactDate(e.date), l.account, l.accountLabel, l.aux ?? '', l.auxLabel ?? '',
        e.pieceRef, compactDate(e.pieceDate), l.label, fecAmount(l.debit, e.currency), fecAmount(l.credit, e.currency), '', '',
        compactDate(e.validDate), foreign ? fecAmount(Math.abs(l.origAmount), l.origCurrency) : '', foreign ? l.origCurrency : '',
      ].map(fecText).join('|'));
    }
  }
  return `${rows.join('\r\n')}\r\n`;
}

// ---------------------------------------------------------------------------------------------
// ISO 8859-15

/** Every character ISO 8859-15 has, as iconv-lite decodes its 256 bytes. */
const LATIN9 = new Set(iconv.decode(Buffer.from(Array.from({ length: 256 }, (_, i) => i)), 'iso-8859-15'));
const FALLBACK: Record<string, string> = { '—': '-', '–': '-', '’': "'", '‘': "'", '“': '"', '”': '"', '…': '...', '←': '<-', '→': '->', '\u00a0': ' ', '\u202f': ' ' };

/** A character ISO 8859-15 lacks, as its closest ASCII (accents dropped), else `?`. */
function transliterate(ch: string): string {
  const fb = FALLBACK[ch] ?? (ch.normalize('NFD').replace(/[\u0300-\u036f]/g, '') || '?');
  return fb.replace(/[\u0080-\uffff]/g, '?');
}

/** Encodes text in ISO 8859-15 (iconv-lite); characters it lacks become their closest ASCII, else `?`. */
export function encodeLatin9(text: string): Uint8Array {
  let safe = '';
  for (const ch of text) safe += LATIN9.has(ch) ? ch : transliterate(ch);
  return new Uint8Array(iconv.encode(safe, 'iso-8859-15'));
}

// ---------------------------------------------------------------------------------------------
// Checking a FEC file

export interface FecIssue { line: number; code: string; message: string }

export interface FecCheck {
  ok: boolean;
  issues: FecIssue[];
  entries: number;
  lines: number;
  debit: Minor;
  credit: Minor;
}

function validDate(s: string): boolean {
  if (!/^\d{8}$/.test(s)) return false;
  const d = new Date(`${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10).replace(/-/g, '') === s;
}

/** Parses "1234,50" into minor units with `exponent` decimals; NaN when malformed. */
function parseAmount(s: string, exponent: number): number {
  const m = /^(\d+)(?:,(\d+))?$/.exec(s);
  if (!m) return NaN;
  const frac = m[2] ?? '';
  if (frac.length > exponent) return NaN;
  return Number(m[1]) * 10 ** exponent + Number(frac.padEnd(exponent, '0') || '0');
}

/**
 * Checks a FEC against article A47 A-1: the 18 columns and their names, one separator, dates
 * YYYYMMDD within the period (EcritureDate), amounts with a decimal comma, mandatory fields,
 * accounts starting with three digits, auxiliary and currency pairs, each entry balanced and on
 * one date, the whole file balanced, à-nouveaux (journal AN) first, then validation dates in
 * order, and (`sequential`) numbers without gaps from 1 per journal.
 */
export function checkFec(text: string, opts: { start: string; end: string; exponent?: number; sequential?: boolean }): FecCheck {
  const issues: FecIssue[] = [];
  const exp = opts.exponent ?? 2;
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  const issue = (line: number, code: string, message: string) => { if (issues.length < 200) issues.push({ line, code, message }); };
  if (lines[0] !== FEC_COLUMNS.join('|')) issue(1, 'header', `the first line must be the 18 column names separated by |`);
  const start = compactDate(opts.start);
  const end = compactDate(opts.end);
  const entries = new Map<string, { debit: number; credit: number; date: string; first: number; last: number }>();
  const lastNumber = new Map<string, number>();
  let debit = 0;
  let credit = 0;
  let prevValid = '';
  let prevKey = '';
  for (let i = 1; i < lines.length; i++) {
    const n = i + 1;
    const f = lines[i]!.split('|');
    if (f.length !== 18) { issue(n, 'columns', `${f.length} fields instead of 18`); continue; }
    const [jc, jl, num, date, acct, acctLib, aux, auxLib, piece, pieceDate, lib, d, c, let_, dateLet, valid, dev, idev] = f as [string, ...string[]] as string[];
    const required: [string, string][] = [['JournalCode', jc!], ['JournalLib', jl!], ['EcritureNum', num!], ['EcritureDate', date!], ['CompteNum', acct!],
      ['CompteLib', acctLib!], ['PieceRef', piece!], ['PieceDate', pieceDate!], ['EcritureLib', lib!], ['Debit', d!], ['Credit', c!], ['ValidDate', valid!]];
    for (const [name, v] of required) if (v === '') issue(n, 'missing', `${name} is empty`);
    for (const [name, v] of [['EcritureDate', date], ['PieceDate', pieceDate], ['ValidDate', valid]] as [string, string][]) {
      if (v !== '' && !validDate(v)) issue(n, 'date', `${name} ${JSON.stringify(v)} is not a date YYYYMMDD`);
    }
    if (dateLet !== '' && !validDate(dateLet!)) issue(n, 'date', `DateLet ${JSON.stringify(dateLet)} is not a date YYYYMMDD`);
    if ((let_ === '') !== (dateLet === '')) issue(n, 'lettering', 'EcritureLet and DateLet go together');
    if (date! < start || date! > end) issue(n, 'date_outside_period', `EcritureDate ${date} is outside ${start}-${end}`);
    if (valid !== '' && date !== '' && valid! < date!) issue(n, 'valid_before_date', `ValidDate ${valid} is before EcritureDate ${date}`);
    // À-nouveaux open the file whatever their validation date (written when the previous year closed).
    if (jc !== 'AN') {
      if (valid! < prevValid) issue(n, 'validation_order', `ValidDate ${valid} comes after ${prevValid}: entries must be in validation order`);
      prevValid = valid! > prevValid ? valid! : prevValid;
    } else if (prevKey !== '' && !prevKey.startsWith('AN|')) issue(n, 'opening_not_first', `à-nouveau ${num} comes after other entries: they open the file`);
    if (!/^\d{3}/.test(acct!)) issue(n, 'account', `CompteNum ${JSON.stringify(acct)} must start with three digits (PCG)`);
    if ((aux === '') !== (auxLib === '')) issue(n, 'aux', 'CompAuxNum and CompAuxLib go together');
    if ((dev === '') !== (idev === '')) issue(n, 'currency', 'Montantdevise and Idevise go together');
    if (idev !== '' && !/^[A-Z]{3}$/.test(idev!)) issue(n, 'currency', `Idevise ${JSON.stringify(idev)} is not an ISO 4217 code`);
    if (dev !== '' && !/^\d+(,\d+)?$/.test(dev!)) issue(n, 'amount', `Montantdevise ${JSON.stringify(dev)} is not an amount with a decimal comma`);
    const dv = parseAmount(d!, exp);
    const cv = parseAmount(c!, exp);
    if (Number.isNaN(dv) || Number.isNaN(cv)) { issue(n, 'amount', `Debit ${JSON.stringify(d)} / Credit ${JSON.stringify(c)} must be amounts with a decimal comma`); continue; }
    if (dv !== 0 && cv !== 0) issue(n, 'amount', 'a line is either a debit or a credit');
    debit += dv;
    credit += cv;
    const key = `${jc}|${num}`;
    let e = entries.get(key);
    if (!e) {
      entries.set(key, (e = { debit: 0, credit: 0, date: date!, first: n, last: n }));
      const m = /(\d+)$/.exec(num!);
      if (opts.sequential !== false && m) {
        const value = Number(m[1]);
        const prev = lastNumber.get(jc!) ?? 0;
        if (value !== prev + 1) issue(n, 'numbering', `journal ${jc}: entry ${num} follows number ${prev} (numbers run without gaps in validation order)`);
        lastNumber.set(jc!, value);
      }
    } else if (key !== prevKey) {
      issue(n, 'entry_split', `the lines of entry ${num} are not together`);
    }
    if (e.date !== date) issue(n, 'entry_date', `entry ${num} has lines on ${e.date} and ${date}`);
    e.debit += dv;
    e.credit += cv;
    e.last = n;
    prevKey = key;
  }
  for (const [key, e] of entries) {
    if (e.debit !== e.credit) issue(e.first, 'unbalanced_entry', `entry ${key.split('|')[1]} does not balance: debit ${e.debit}, credit ${e.credit}`);
  }
  if (debit !== credit) issue(lines.length, 'unbalanced_file', `the file does not balance: debit ${debit}, credit ${credit}`);
  return { ok: issues.length === 0, issues, entries: entries.size, lines: lines.length - 1, debit, credit };
}
