// `ventil journal`: prints entities' journal entries; `ventil post` brings the books up to date.
import type { Command } from '../command.js';
import { DB_OPTION, EXIT_OK, HELP_OPTION, JSON_OPTION, parseOptions } from '../command.js';
import type { ApiOutput } from '../../api/index.js';
import { call, openCliDatabase, printJson } from '../io.js';
import { formatMinor } from '../../domain/money.js';

type EntriesView = ApiOutput<'journal.entries'>;

export const journalCommand: Command = {
  name: 'journal',
  summary: 'Print the journal entries of an entity (or of every entity) for a period',
  help: `Usage: ventil journal [--entity E] [--period P] [--journal VE|AC|BQ|OD] [--order ID] [--db PATH] [--json]

Prints each entity's journal entries in validation order: number (journal, fiscal year,
sequence), date, label, supporting document, and the lines with their accounts, debits and
credits in the entity's book currency. --period is a fiscal year named by its closing year (2026)
or a month (2026-03); without it, every entry. Without --entity, every entity in turn.
docs/accounting.md describes the posting scheme.`,
  run(argv) {
    const { values } = parseOptions(argv, {
      entity: { type: 'string' }, period: { type: 'string' }, journal: { type: 'string' }, order: { type: 'string' },
      ...DB_OPTION, ...JSON_OPTION, ...HELP_OPTION,
    }, false);
    const { db, ctx } = openCliDatabase(values.db);
    try {
      const entities = values.entity ? [values.entity] : call(ctx, 'network.entities.list', {}).map((e) => e.id);
      const views: EntriesView[] = [];
      for (const entity of entities) {
        const input: Record<string, unknown> = { entity, limit: 5000 };
        if (values.period) input.period = values.period;
        if (values.journal) input.journal = values.journal;
        if (values.order) input.order = values.order;
        let offset = 0;
        const view = call(ctx, 'journal.entries', { ...input, offset });
        while (view.entries.length < view.total) {
          offset += 5000;
          view.entries.push(...call(ctx, 'journal.entries', { ...input, offset }).entries);
        }
        views.push(view);
      }
      if (values.json) { printJson({ journals: views }); return EXIT_OK; }
      for (const v of views) {
        console.log(`${v.entity}: ${v.total} entr${v.total === 1 ? 'y' : 'ies'} (${v.currency})`);
        for (const e of v.entries) {
          console.log(`  ${e.number}  ${e.date}  ${e.label}  [${e.piece_ref}]`);
          for (const l of e.lines) {
            const acct = `${l.account}${l.aux ? `-${l.aux}` : ''}`;
            const d = l.debit ? formatMinor(l.debit, v.currency) : '';
            const c = l.credit ? formatMinor(l.credit, v.currency) : '';
            const orig = l.orig_currency !== v.currency ? `  (${formatMinor(l.orig_amount, l.orig_currency)} ${l.orig_currency})` : '';
            console.log(`      ${acct.padEnd(16)} ${l.account_label.slice(0, 38).padEnd(38)} ${d.padStart(12)} ${c.padStart(12)}${orig}`);
          }
        }
      }
      return EXIT_OK;
    } finally {
      db.close();
    }
  },
};

export const postCommand: Command = {
  name: 'post',
  summary: 'Bring every entity\'s books up to date with the settled orders and release runs',
  help: `Usage: ventil post [--order ID]... [--db PATH] [--json]

Imports, events and release runs post their entries as they happen; this catches up what could
not be posted then (an exchange rate that was missing, for instance) and prints what is still
missing. Posting twice changes nothing.`,
  run(argv) {
    const { values } = parseOptions(argv, { order: { type: 'string', multiple: true }, ...DB_OPTION, ...JSON_OPTION, ...HELP_OPTION }, false);
    const { db, ctx } = openCliDatabase(values.db);
    try {
      const r = call(ctx, 'journal.post', values.order ? { orders: values.order } : {});
      if (values.json) printJson(r);
      else {
        console.log(`posted ${r.entries} entr${r.entries === 1 ? 'y' : 'ies'} and ${r.invoices} invoice(s)`);
        if (r.movements > 0) console.log(`  ${r.movements} movement(s) of daily books wait for their day's entry (written once the day is over)`);
        for (const i of r.issues) console.log(`  not posted: ${i.message} [${i.code}]`);
      }
      return r.issues.length > 0 ? 1 : EXIT_OK;
    } finally {
      db.close();
    }
  },
};
