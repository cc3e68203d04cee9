// Reading CSV (the orders feed, PSP settlement reports) with csv-parse: RFC 4180 quoting, CRLF
// or LF (mixed too), an optional UTF-8 byte order mark, blank lines skipped. Every problem is a
// CsvError naming the line where its record starts. Writing CSV is core/domain/csv.ts.
import { parse } from 'csv-parse/sync';

export class CsvError extends Error {
  readonly code = 'invalid_csv';
  constructor(message: string, readonly line: number) { super(message); }
}

const OPTIONS = { bom: true, skip_empty_lines: true, record_delimiter: ['\r\n', '\n'], relax_column_count: true, info: true as const };

/** Parses CSV text into rows of fields, with the line each row starts on. */
export function parseCsv(text: string): { rows: string[][]; lines: number[] } {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, OPTIONS) as unknown as typeof records;
  } catch (e) {
    const err = e as { lines?: number; message?: string };
    if (typeof err.lines !== 'number') throw e;
    throw new CsvError(`line ${err.lines}: ${err.message?.replace(/ (on|at) line \d+/, '') ?? 'invalid CSV'}`, err.lines);
  }
  // csv-parse counts lines up to a record's end; a record's own line breaks are inside quotes.
  const lines = records.map(({ record, info }) => info.lines - record.reduce((n, f) => n + (f.match(/\n/g)?.length ?? 0), 0));
  return { rows: records.map((r) => r.record), lines };
}

/** Rows of objects keyed by the header line, with the source line number of each. */
export function parseCsvObjects(text: string): { header: string[]; records: { line: number; values: Record<string, string> }[] } {
  const { rows, lines } = parseCsv(text);
  if (rows.length === 0) return { header: [], records: [] };
  const header = rows[0].map((h) => h.trim());
  const records = rows.slice(1).map((r, i) => {
    if (r.length !== header.length) throw new CsvError(`line ${lines[i + 1]}: ${r.length} fields, but the header has ${header.length}`, lines[i + 1]);
    return { line: lines[i + 1], values: Object.fromEntries(header.map((h, j) => [h, r[j]])) };
  });
  return { header, records };
}
