import type { Command } from '../command.js';
import { DB_OPTION, EXIT_OK, HELP_OPTION, JSON_OPTION, UsageError, parseOptions } from '../command.js';
import { call, openCliDatabase, printJson, readJsonFile } from '../io.js';

export const pspEventsCommand: Command = {
  name: 'psp-events',
  summary: 'Apply a file of PSP events (Stripe events JSON), idempotently and in any order',
  help: `Usage: ventil psp-events FILE [--db PATH] [--json] [--psp NAME]

Applies PSP events exported from the PSP (a JSON list of Stripe events, { "events": [...] }, or
the { "data": [...] } list \`stripe events list\` prints): transfer.created, transfer.reversed,
refund.*, charge.refunded, payout.paid, payout.failed, ... Each event is applied once (by its
id); the order of the events does not matter; a failure reported after a success (a payout
returned by the bank) is recorded as such and shown by \`ventil sync --status\`.

  --psp NAME   whose events they are (default stripe)`,
  run(argv) {
    const { values, positionals } = parseOptions(argv, { ...DB_OPTION, ...JSON_OPTION, ...HELP_OPTION, psp: { type: 'string' } });
    if (positionals.length !== 1) throw new UsageError('psp-events takes exactly one FILE');
    const events = readJsonFile(positionals[0]!);
    const { db, ctx } = openCliDatabase(values.db);
    try {
      const r = call(
        ctx, 'sync.psp_events.apply', { events, psp: values.psp ?? 'stripe', source: 'file' });
      if (values.json) printJson(r);
      else {
        console.log(`${r.received} event(s): ${r.applied} applied, ${r.duplicates} already seen, ${r.stale} older than what is known, ${r.ignored} not tracked, ${r.unmatched} not Ventil's`);
        if (r.confirmed) console.log(`${r.confirmed} call(s) confirmed as applied by the PSP`);
        for (const f of r.failures) console.log(`failure after success: ${f.psp_id} is ${f.status}${f.entity ? ` (${f.entity})` : ''}`);
        for (const i of r.invalid) console.log(`event ${i.index} is not a PSP event: ${i.message}`);
      }
      return EXIT_OK;
    } finally {
      db.close();
    }
  },
};
