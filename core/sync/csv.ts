// RFC 4180 CSV: quoted fields with doubled quotes, commas and newlines inside quotes, CRLF or LF,
// an optional UTF-8 byte order mark. Small on purpose; the feeds and the settlement reports use it.

export class CsvError extends Error {
  readonly code = 'invalid_csv';
  constructor(message: string, readonly line: number) { super(message); }
}

/** Parses CSV text into rows of fields. Blank lines are skipped. */
export function parseCsv(text: string): { rows: string[][]; lines: number[] } {
  const rows: string[][] = [];
  const lines: number[] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let fieldStarted = false;
  const endRow = () => {
    row.push(field);
    if (!(row.length === 1 && row[0] === '' && !fieldStarted)) { rows.push(row); lines.push(rowLine); }
    row = [];
    field = '';
    fieldStarted = false;
  };
  for (; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') { field += '"'; i++; }
        else quoted = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
      continue;
    }
    if (c === '"') {
      if (field !== '') throw new CsvError(`line ${line}: a quote inside an unquoted field`, line);
      quoted = true;
      fieldStarted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
      fieldStarted = true;
    } else if (c === '\r' && text[i + 1] === '\n') {
      // handled with the \n
    } else if (c === '\n') {
      endRow();
      line++;
      rowLine = line;
    } else {
      field += c;
      fieldStarted = true;
    }
  }
  if (quoted) throw new CsvError(`line ${rowLine}: a quoted field is not closed`, rowLine);
  if (field !== '' || row.length > 0 || fieldStarted) endRow();
  return { rows, lines };
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

function quote(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function toCsv(header: readonly string[], rows: readonly Record<string, string | number | null | undefined>[]): string {
  const out = [header.map(quote).join(',')];
  for (const r of rows) out.push(header.map((h) => quote(r[h] === undefined || r[h] === null ? '' : String(r[h]))).join(','));
  return `${out.join('\r\n')}\r\n`;
}
