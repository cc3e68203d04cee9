// The printable face of a Factur-X invoice: a plain PDF of text lines in Helvetica (WinAnsi
// encoding, so French accents and the euro sign print). @e-invoice-eu/core turns it into PDF/A-3
// and embeds the CII XML, which is the part a receiving system reads (docs/accounting.md).
import iconv from 'iconv-lite';

const LINES_PER_PAGE = 60;

/** PDF string literal of a line: Windows-1252 bytes, backslash and parentheses escaped. */
function literal(line: string): string {
  return iconv.encode(line, 'win1252').toString('latin1').replace(/[\\()]/g, (c) => `\\${c}`);
}

/** A PDF of A4 pages, one text line per row, 60 rows a page. */
export function textPdf(lines: readonly string[], title: string): Uint8Array {
  const pages: string[][] = [];
  for (let i = 0; i < Math.max(1, lines.length); i += LINES_PER_PAGE) pages.push(lines.slice(i, i + LINES_PER_PAGE));
  const objects: string[] = [];
  objects[1] = '<< /Type /Catalog /Pages 2 0 R >>';
  objects[2] = `<< /Type /Pages /Kids [${pages.map((_, i) => `${5 + 2 * i} 0 R`).join(' ')}] /Count ${pages.length} >>`;
  objects[3] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>';
  objects[4] = `<< /Title (${literal(title)}) /Producer (Ventil) >>`;
  pages.forEach((page, i) => {
    const content = `BT /F1 10 Tf 50 800 Td 13 TL ${page.map((l) => `(${literal(l)}) '`).join(' ')} ET`;
    objects[5 + 2 * i] = `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents ${6 + 2 * i} 0 R >>`;
    objects[6 + 2 * i] = `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`;
  });
  let out = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  for (let n = 1; n < objects.length; n++) {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${n} 0 obj\n${objects[n]}\nendobj\n`;
  }
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length} /Root 1 0 R /Info 4 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new Uint8Array(Buffer.from(out, 'latin1'));
}
