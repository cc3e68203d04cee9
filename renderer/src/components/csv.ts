// CSV as RFC 4180 describes it (CRLF line ends, fields with the separator, a quote or a line
// break are quoted, quotes doubled), with a UTF-8 byte order mark so Excel reads the accents,
// and `;` as the separator French Excel expects (there the decimal mark is a comma).
export type Separator = ',' | ';';

/** Text cells starting with these could run as formulas in a spreadsheet (CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvField(value: string, sep: Separator, opts: { guardFormula?: boolean } = {}): string {
  let v = value;
  if (opts.guardFormula && FORMULA_START.test(v)) v = `'${v}`;
  if (v.includes(sep) || v.includes('"') || v.includes('\n') || v.includes('\r')) return `"${v.replace(/"/g, '""')}"`;
  return v;
}

export function csvLine(fields: readonly string[], sep: Separator, guard?: readonly boolean[]): string {
  return fields.map((f, i) => csvField(f, sep, { guardFormula: guard?.[i] ?? false })).join(sep) + '\r\n';
}

export const BOM = '\uFEFF';

/** Saves a file through the browser's download (the desktop app shows its save dialog). */
export function downloadFile(filename: string, parts: BlobPart[], type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob(parts, { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** `entities-2026-03-31.csv` */
export function exportFileName(base: string, now = new Date()): string {
  const day = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
  return `${base}-${day}.csv`;
}
