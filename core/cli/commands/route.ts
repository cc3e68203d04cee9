import type { Command } from '../command.js';
import { DB_OPTION, EXIT_OK, HELP_OPTION, JSON_OPTION, UsageError, parseOptions } from '../command.js';
import { call, openCliDatabase, printJson } from '../io.js';

export const routeCommand: Command = {
  name: 'route',
  summary: 'Run the routing scheduler once (--tick), or print an order\'s routing history (--history ORDER)',
  help: `Usage: ventil route --tick [--db PATH] [--json]
       ventil route --history ORDER [--db PATH] [--json]

--tick offers every line not yet accepted to its current fulfiller, with a deadline of
offer_deadline_hours (network setting, default 24), and turns each missed deadline into a
fulfilment_refused event with reason "timeout": the line goes to the next candidate not yet
refused, or, with none left, is cancelled and refunded in its settlement. The desktop app runs
the same step on a timer; running it again at once does nothing.

--history ORDER prints who was offered each line of the order, when, and what came of it.`,
  run(argv) {
    const { values, positionals } = parseOptions(argv, { tick: { type: 'boolean' }, history: { type: 'string' }, ...DB_OPTION, ...JSON_OPTION, ...HELP_OPTION }, false);
    void positionals;
    if (!!values.tick === (values.history !== undefined)) throw new UsageError('give --tick or --history ORDER');
    const { db, ctx } = openCliDatabase(values.db);
    try {
      if (values.tick) {
        const r = call(ctx, 'routing.tick', {});
        if (values.json) printJson(r);
        else {
          console.log(`routing at ${r.at}: ${r.offered} offered, ${r.timed_out} timed out, ${r.closed} closed, ${r.cancelled} line(s) cancelled`);
          for (const f of r.failures) console.log(`  could not time out offer ${f.offer} (${f.order}/${f.line} at ${f.location}): ${f.error.message}`);
        }
      } else {
        const r = call(ctx, 'routing.history', { order: values.history });
        if (values.json) printJson(r);
        else {
          console.log(`routing of order ${r.order}`);
          for (const h of r.history) {
            console.log(`  ${h.at}  line ${h.line}  ${h.action.padEnd(9)} ${h.location ?? ''}${h.deadline_at && h.action === 'offered' ? ` until ${h.deadline_at}` : ''}${h.reason ? ` (${h.reason})` : ''}${h.note ? ` "${h.note}"` : ''}  by ${h.actor}`);
          }
        }
      }
      return EXIT_OK;
    } finally {
      db.close();
    }
  },
};
