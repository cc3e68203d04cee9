// Files the back office saves: CSV through Ventil's one writer (core/domain/csv.ts: RFC 4180,
// CRLF, formula injection guarded), with a UTF-8 byte order mark so Excel reads the accents and
// `;` as the separator French Excel expects (there the decimal mark is a comma).
export { csvText, type CsvSeparator as Separator } from '../../../core/domain/csv';

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
