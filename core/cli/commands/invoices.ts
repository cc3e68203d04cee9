// `ventil invoices`: the invoices and credit notes between entities; with --out, their printable
// documents (and each entity's statement for the period).
import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { DB_OPTION, EXIT_OK, HELP_OPTION, JSON_OPTION, parseOptions } from '../command.js';
import { call, openCliDatabase, printJson } from '../io.js';
import { formatMinor } from '../../domain/money.js';
import { writeAtomic } from './export.js';

export const invoicesCommand: Command = {
  name: 'invoices',
  summary: 'List the commission and royalty invoices between entities; write them as HTML',
  help: `Usage: ventil invoices [--entity E] [--period P] [--out DIR] [--db PATH] [--json]

Lists the invoices and credit notes of the legs between entities (commission, royalty, ...),
numbered per issuer series without gaps (COM-<ISSUER>-<FISCAL YEAR>-000001, credit notes
AV-COM-...). "Autofacturation" marks those the platform issues on a beneficiary's behalf.
--period is a fiscal year (2026, needs --entity) or a month (2026-03).
With --out DIR, writes each invoice as a printable HTML document, and, with --entity and
--period, the entity's statement for the period (every line, rule and amount).`,
  run(argv) {
    const { values } = parseOptions(argv, { entity: { type: 'string' }, period: { type: 'string' }, out: { type: 'string' }, ...DB_OPTION, ...JSON_OPTION, ...HELP_OPTION }, false);
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
          const doc = call(ctx, 'invoices.document', { id: r.id });
          written.push(writeAtomic(dir, doc.name, new TextEncoder().encode(doc.html)));
        }
        if (values.entity && values.period) {
          const st = call(ctx, 'invoices.statement', { entity: values.entity, period: values.period });
          written.push(writeAtomic(dir, st.name, new TextEncoder().encode(st.html)));
        }
      }
      if (values.json) { printJson({ total: rows.length, invoices: rows, written }); return EXIT_OK; }
      console.log(`${rows.length} invoice(s) and credit note(s)`);
      for (const r of rows) {
        const f = (n: number) => formatMinor(n, r.currency).padStart(10);
        console.log(`  ${r.number.padEnd(26)} ${r.issue_date}  ${r.kind === 'invoice' ? 'invoice    ' : 'credit note'} ${r.supplier.padEnd(8)} -> ${r.customer.padEnd(8)} ${f(r.net)} ${f(r.vat)} ${f(r.total)} ${r.currency}  ${r.order}/${r.line}${r.mention ? `  ${r.mention}` : ''}${r.credits ? `  (credits ${r.credits})` : ''}`);
      }
      if (written.length) console.log(`wrote ${written.length} file(s) to ${resolve(values.out!)}`);
      return EXIT_OK;
    } finally {
      db.close();
    }
  },
};
