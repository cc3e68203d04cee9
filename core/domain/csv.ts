// The one CSV writer of Ventil, for every export (books, audit trail, settlement reports, the
// tables of the back office): csv-stringify with RFC 4180 quoting and CRLF line ends, and
// protection against formula injection (OWASP "CSV Injection"): a text cell starting with
// = + - @ (or their full-width forms), a tab or a carriage return is prefixed with `'`, so a
// spreadsheet shows it as text instead of running it. Plain numbers ("-12.50", "-12,50") are
// left alone: a spreadsheet reads them as numbers, and they cannot hold a formula.
//
// The guard is the cast below rather than csv-stringify's `escape_formulas`, which prefixes
// every text starting with "-", negative amounts included (ours are exact decimal strings),
// and whose per-cell exemption costs a full option normalisation per cell.
//
// Isomorphic: the renderer's bundle maps `csv-stringify/sync` to the library's browser build
// (electron.vite.config.ts).
import { stringify } from 'csv-stringify/sync';

export type CsvSeparator = ',' | ';';
export type CsvCell = string | number | null | undefined;

export interface CsvOptions {
  /** `,` (default) or `;`, the separator French spreadsheets expect (decimal comma). */
  separator?: CsvSeparator;
  /** Starts the text with a UTF-8 byte order mark, so Excel reads the accents. */
  bom?: boolean;
}

const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;
/** A decimal number, with a point or a comma: safe as it is. */
const PLAIN_NUMBER = /^-?\d+(?:[.,]\d+)?$/;

/** The text a spreadsheet cannot run: `'` before anything that starts like a formula. */
export function guardFormula(value: string): string {
  return FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
}

/** CSV text of rows (the header is the first row, if any), each line ended by CRLF. */
export function csvText(rows: readonly (readonly CsvCell[])[], opts: CsvOptions = {}): string {
  const text = stringify(rows as CsvCell[][], {
    delimiter: opts.separator ?? ',',
    record_delimiter: 'windows',
    // Quote any line break in a cell (csv-stringify stops doing so once record_delimiter is set).
    quote_record_delimiter: true,
    cast: { string: guardFormula },
  });
  return opts.bom ? `\uFEFF${text}` : text;
}

/** CSV of objects: a header line of `columns`, then each row's values in that order. */
export function csvOfObjects(columns: readonly string[], rows: readonly Record<string, CsvCell>[], opts: CsvOptions = {}): string {
  return csvText([columns, ...rows.map((r) => columns.map((c) => r[c]))], opts);
}
