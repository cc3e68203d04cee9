// `ventil invoices`: the periodic invoices and credit notes between entities; with --out, their
// documents (Factur-X or HTML, and each entity's statement for the period) or their annexes; with
// --send, records them as sent.
import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { DB_OPTION, EXIT_OK, HELP_OPTION, JSON_OPTION, UsageError, parseOptions } from '../command.js';
import { call, openCliDatabase, printJson } from '../io.js';
import { renderFacturX } from '../../domain/facturx.js';
import { formatMinor } from '../../domain/money.js';
import { writeAtomic } from './export.js';

const FORMATS = ['facturx', 'html', 'csv'] as const;
type Format = (typeof FORMATS)[number];

export const invoicesCommand: Command = {
  name: 'invoices',
  summary: 'List the periodic invoices and credit notes between entities; write them (Factur-X, HTML, annex CSV); record them as sent',
  help: `Usage: ventil invoices [--entity E] [--period P] [--out DIR] [--format facturx|html|csv] [--send] [--db PATH] [--json]

Lists the invoices and credit notes of the legs between entities (commission, royalty, ...): one
per supplier, customer, currency and month, issued once the month is over, numbered per
supplier and fiscal year without gaps (FAC-<SUPPLIER>-<FISCAL YEAR>-000001, credit notes
AV-...). "Autofacturation" marks those the platform issues on a supplier's behalf.
--period is a fiscal year (2026, needs --entity) or a month (2026-03).
With --out DIR, writes each invoice:
  facturx  <NUMBER>.pdf, Factur-X (EN 16931 profile): PDF/A-3 with its CII XML and the annex
  html     the printable document (the default; with --entity and --period, also the entity's
           statement)
  csv      its annex: the orders behind each amount, one row per leg
--send records the invoices listed that are not sent yet as sent, by the channel of --format
(facturx or html); closing a period needs its periodic invoices sent.`,
  async run(argv) {
    const { values } = parseOptions(argv, {
      entity: { type: 'string' }, period: { type: 'string' }, out: { type: 'string' }, format: { type: 'string' }, send: { type: 'boolean' },
      ...DB_OPTION, ...JSON_OPTION, ...HELP_OPTION,
    }, false);
    const format = (values.format ?? 'html') as Format;
    if (!FORMATS.includes(format)) throw new UsageError(`--format ${values.format}: one of ${FORMATS.join(', ')}`);
    if (values.send && format === 'csv') throw new UsageError('--send records a sending: --format facturx or html');
    const { db, ctx } = openCliDatabase(values.db);
    try {
      const input: Record<string, unknown> = { limit: 5000 };
      if (values.entity) input.entity = values.entity;
      if (values.period) input.period = values.period;
      const first = call(ctx, 'invoices.list', { ...input, offset: 0 });
      const rows = [...first.rows];
      while (rows.length < first.total) rows.push(...call(ctx, 'invoices.list', { ...input, offset: rows.length }).rows);
      const written: string[] = [];
      if (values.out) {
        const dir = resolve(values.out);
        for (const r of rows) {
          if (format === 'facturx') {
            const { doc } = call(ctx, 'invoices.document', { id: r.id });
            const annex = call(ctx, 'invoices.annex', { id: r.id });
            written.push(writeAtomic(dir, `${r.number}.pdf`, await renderFacturX(doc, annex)));
          } else if (format === 'html') {
            const doc = call(ctx, 'invoices.document', { id: r.id });
            written.push(writeAtomic(dir, doc.name, new TextEncoder().encode(doc.html)));
          } else {
            const annex = call(ctx, 'invoices.annex', { id: r.id });
            written.push(writeAtomic(dir, annex.name, new TextEncoder().encode(annex.csv)));
          }
        }
        if (format === 'html' && values.entity && values.period) {
          const st = call(ctx, 'invoices.statement', { entity: values.entity, period: values.period });
          written.push(writeAtomic(dir, st.name, new TextEncoder().encode(st.html)));
        }
      }
      const unsent = rows.filter((r) => r.sent_at === null).map((r) => r.number);
      const sent = values.send && unsent.length > 0 ? call(ctx, 'invoices.send', { numbers: unsent, channel: format }).sent : [];
      if (values.json) { printJson({ total: rows.length, invoices: rows, written, sent }); return EXIT_OK; }
      console.log(`${rows.length} invoice(s) and credit note(s)`);
      for (const r of rows) {
        const f = (n: number) => formatMinor(n, r.currency).padStart(10);
        const what = r.period ?? `${r.order}/${r.line}`;
        console.log(`  ${r.number.padEnd(26)} ${r.issue_date}  ${r.kind === 'invoice' ? 'invoice    ' : 'credit note'} ${r.supplier.padEnd(8)} -> ${r.customer.padEnd(8)} ${f(r.net)} ${f(r.vat)} ${f(r.total)} ${r.currency}  ${what}${r.mention ? `  ${r.mention}` : ''}${r.credits ? `  (credits ${r.credits})` : ''}${r.sent_at || sent.includes(r.number) ? '  sent' : ''}`);
      }
      if (written.length) console.log(`wrote ${written.length} file(s) to ${resolve(values.out!)}`);
      if (values.send) console.log(`recorded ${sent.length} invoice(s) as sent`);
      return EXIT_OK;
    } finally {
      db.close();
    }
  },
};
