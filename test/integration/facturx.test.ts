// Factur-X (EN 16931 profile): every periodic invoice and credit note of the example as PDF/A-3
// with its CII XML, which passes the official Factur-X 1.09 EN16931 XSD (test/fixtures/
// facturx-xsd, from the Factur-X distribution, github.com/akretion/factur-x) under xmllint, and
// says what Ventil's invoice says; `ventil invoices --format facturx` writes them.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { frVatNumber, renderFacturX, typeCode } from '../../core/domain/facturx.js';
import type { InvoiceDoc } from '../../core/domain/invoice-doc.js';
import { formatMinor } from '../../core/domain/money.js';
import { openDatabase } from '../../core/store/database.js';
import { ventil } from '../helpers/cli.js';
import { tempDir } from '../helpers/db.js';
import { basicScenario, call, clocked, freshDb, importInto, ok, type Json } from '../helpers/lifecycle.js';

const XSD = join(import.meta.dirname, '../fixtures/facturx-xsd/Factur-X_EN16931.xsd');
const tmp = tempDir('ventil-facturx-');
afterAll(() => tmp.cleanup());

/** The files embedded in a PDF (name → bytes), read from its EmbeddedFile streams. */
function embeddedFiles(pdf: Uint8Array): Map<string, Buffer> {
  const buf = Buffer.from(pdf);
  const text = buf.toString('latin1');
  const out = new Map<string, Buffer>();
  for (const m of text.matchAll(/\/Type\s*\/EmbeddedFile\b[^]*?stream\r?\n/g)) {
    const start = m.index + m[0].length;
    const end = text.indexOf('endstream', start);
    const dict = m[0];
    let body = buf.subarray(start, end);
    if (/\/FlateDecode/.test(dict)) body = inflateSync(body);
    const sub = /\/Subtype\s*\/([^\s/>]+)/.exec(dict)?.[1]?.replace(/#2F/g, '/') ?? '';
    out.set(sub === 'text/xml' ? 'factur-x.xml' : sub, body);
  }
  return out;
}

/** xmllint against the Factur-X EN16931 XSD: '' when valid, else its complaints. */
function xsdErrors(xml: Buffer, name: string): string {
  const file = join(tmp.dir, `${name}.xml`);
  writeFileSync(file, xml);
  const r = spawnSync('xmllint', ['--noout', '--schema', XSD, file], { encoding: 'utf8' });
  expect(r.error, 'xmllint is not installed: apt-get install -y libxml2-utils').toBeUndefined();
  return r.status === 0 ? '' : r.stderr;
}

const tag = (xml: string, name: string) => [...xml.matchAll(new RegExp(`<ram:${name}(?: [^>]*)?>([^<]*)</ram:${name}>`, 'g'))].map((m) => m[1]);

describe('Factur-X', () => {
  it('gives every invoice and credit note a PDF/A-3 whose CII XML passes the EN16931 XSD and says what the invoice says', async () => {
    const db = freshDb();
    const clock = clocked(db, '2026-04-01T12:00:00Z');
    importInto(clock.ctx, basicScenario());
    const list = ok(call(clock.ctx, 'invoices.list', { limit: 100 })).rows as Json[];
    expect(list.length).toBe(7);
    for (const inv of list) {
      const { doc } = ok(call(clock.ctx, 'invoices.document', { number: inv.number })) as { doc: InvoiceDoc };
      const annex = ok(call(clock.ctx, 'invoices.annex', { number: inv.number })) as { name: string; csv: string };
      const pdf = await renderFacturX(doc, annex);
      const head = Buffer.from(pdf).toString('latin1');
      expect(head.startsWith('%PDF-')).toBe(true);
      expect(head).toMatch(/<pdfaid:part>3<\/pdfaid:part>/);
      expect(head).toMatch(/<fx:ConformanceLevel>EN 16931<\/fx:ConformanceLevel>/);
      const files = embeddedFiles(pdf);
      const xml = files.get('factur-x.xml');
      expect(xml, inv.number).toBeDefined();
      expect(xsdErrors(xml!, inv.number), inv.number).toBe('');
      // The annex travels with the invoice.
      expect(files.get('text/csv')?.toString('utf8')).toBe(annex.csv);
      const x = xml!.toString('utf8');
      expect(x).toMatch(/<ram:GuidelineSpecifiedDocumentContextParameter>\s*<ram:ID>urn:cen\.eu:en16931:2017<\/ram:ID>/);
      expect(x).toContain(`<ram:ID>${inv.number}</ram:ID>`);
      expect(tag(x, 'TypeCode')[0]).toBe(typeCode(inv.kind, inv.self_billed));
      expect(tag(x, 'TaxBasisTotalAmount')).toEqual([formatMinor(inv.net, inv.currency)]);
      expect(tag(x, 'TaxTotalAmount')).toEqual([formatMinor(inv.vat, inv.currency)]);
      expect(tag(x, 'GrandTotalAmount')).toEqual([formatMinor(inv.total, inv.currency)]);
      expect(tag(x, 'DuePayableAmount')).toEqual([formatMinor(inv.total, inv.currency)]);
      // One line per invoice line; the seller's legal identifier is its SIREN.
      expect(tag(x, 'LineTotalAmount').slice(0, doc.lines.length)).toEqual(doc.lines.map((l) => formatMinor(l.net, inv.currency)));
      expect(x).toContain(`<ram:ID schemeID="0002">${doc.supplier.siren}</ram:ID>`);
      // A credit note names the invoice it corrects (in the note: the library leaves BT-25 out).
      if (inv.kind === 'credit_note') expect(x).toContain(`Avoir sur la facture n° ${inv.credits}.`);
      expect(x.includes('Autofacturation')).toBe(inv.self_billed);
    }
    db.close();
  });

  it('names document types and VAT numbers as EN 16931 expects', () => {
    expect([typeCode('invoice', false), typeCode('invoice', true), typeCode('credit_note', false), typeCode('credit_note', true)]).toEqual(['380', '389', '381', '261']);
    // The key of a French VAT number: (12 + 3 × (SIREN mod 97)) mod 97 (La Poste: FR 39 356 000 000).
    expect(frVatNumber('356000000')).toBe('FR39356000000');
  });

  it('ventil invoices --format facturx writes one Factur-X file per invoice', () => {
    const dbFile = join(tmp.dir, 'cli.db');
    const { db } = openDatabase({ file: dbFile, now: () => new Date('2026-04-01T12:00:00Z') });
    importInto(clocked(db, '2026-04-01T12:00:00Z').ctx, basicScenario());
    db.close();
    const out = join(tmp.dir, 'fx');
    const r = ventil(['invoices', '--entity', 'LYON', '--period', '2026-03', '--out', out, '--format', 'facturx', '--db', dbFile]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const names = readdirSync(out).sort();
    expect(names).toEqual(['AV-LYON-2026-000001.pdf', 'FAC-HQ-2026-000001.pdf', 'FAC-LYON-2026-000001.pdf', 'FAC-LYON-2026-000002.pdf']);
    const xml = embeddedFiles(readFileSync(join(out, 'FAC-LYON-2026-000001.pdf'))).get('factur-x.xml')!;
    expect(xsdErrors(xml, 'cli')).toBe('');
    const refused = ventil(['invoices', '--format', 'csv', '--send', '--db', dbFile]);
    expect([refused.status, refused.stderr]).toEqual([2, expect.stringContaining('--send records a sending: --format facturx or html')]);
  }, 120_000); // two runs of the command line, each starting Node and tsx
});
