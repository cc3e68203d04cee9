// `ventil periods`: an entity's fiscal years and months, and closing them.
import type { Command } from '../command.js';
import { DB_OPTION, EXIT_OK, HELP_OPTION, JSON_OPTION, UsageError, parseOptions } from '../command.js';
import { call, openCliDatabase, printJson } from '../io.js';

export const periodsCommand: Command = {
  name: 'periods',
  summary: 'List or close an entity\'s accounting periods (months, fiscal years)',
  help: `Usage: ventil periods list --entity E [--db PATH] [--json]
       ventil periods close --entity E --period P [--db PATH] [--json]

Fiscal years follow the entity's fiscal_year_end and are named by their closing year (2026);
months are written 2026-03. Closing is final: a closed period accepts no entry, and an event that
falls in it is posted on the first day of the first open period, with a label saying so.
Closing a fiscal year closes its months. A period closes once it is over. Each newly closed month
of an entity with an erp_code queues its ERP batch (outbox kind erp.push).`,
  run(argv) {
    const { values, positionals } = parseOptions(argv, { entity: { type: 'string' }, period: { type: 'string' }, ...DB_OPTION, ...JSON_OPTION, ...HELP_OPTION });
    const action = positionals[0];
    if (positionals.length !== 1 || (action !== 'list' && action !== 'close')) throw new UsageError('periods takes list or close');
    if (!values.entity) throw new UsageError(`periods ${action} needs --entity E`);
    if (action === 'close' && !values.period) throw new UsageError('periods close needs --period P');
    const { db, ctx } = openCliDatabase(values.db);
    try {
      if (action === 'close') {
        const r = call(ctx, 'journal.periods.close', { entity: values.entity, period: values.period });
        if (values.json) printJson(r);
        else console.log(`closed ${r.entity} ${r.period}: ${r.closed.join(', ')}${r.erp_batches.length ? `; ERP batches queued: ${r.erp_batches.join(', ')}` : ''}`);
        return EXIT_OK;
      }
      const r = call(ctx, 'journal.periods.list', { entity: values.entity });
      if (values.json) { printJson(r); return EXIT_OK; }
      console.log(`${r.entity}: fiscal year ends ${r.fiscal_year_end}`);
      for (const y of r.years) {
        console.log(`  ${y.name}  ${y.start} to ${y.end}  ${y.closed ? 'closed' : 'open'}`);
        console.log(`    ${y.months.map((m) => `${m.name}${m.closed ? ' (closed)' : ''}`).join('  ')}`);
      }
      return EXIT_OK;
    } finally {
      db.close();
    }
  },
};
