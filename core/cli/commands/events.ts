import type { Command } from '../command.js';
import { DB_OPTION, EXIT_OK, HELP_OPTION, JSON_OPTION, UsageError, parseOptions } from '../command.js';
import { call, openCliDatabase, printJson, readJsonFile } from '../io.js';

export const eventsCommand: Command = {
  name: 'events',
  summary: 'Submit lifecycle events (events-only ventil.scenario/1 file); idempotent, contradictions refused',
  help: `Usage: ventil events FILE [--db PATH] [--json]

Reads an events-only file ({ "format": "ventil.scenario/1", "events": [...] }, docs/formats.md) and
stores its new events in one transaction, then re-settles the orders they touch and updates the
routing offers of their lines. An event already stored (same id, or same content without id) is
applied once; the same id with other content is an error. Events that contradict their line's
state (shipping a cancelled line, returning more than was sold or before fulfilment, accepting a
request offered to another store, an event before its order was created, unknown orders or
lines) refuse the whole file: every problem is printed with its JSON path, nothing is stored,
and the command exits with status 2. Late events (earlier than stored ones) are accepted when
they fit the history at their time.`,
  run(argv) {
    const { values, positionals } = parseOptions(argv, { ...DB_OPTION, ...JSON_OPTION, ...HELP_OPTION });
    if (positionals.length !== 1) throw new UsageError('events takes exactly one FILE');
    const file = readJsonFile(positionals[0]!);
    const { db, ctx } = openCliDatabase(values.db);
    try {
      const r = call(ctx, 'events.submit', { file, source: 'file' });
      if (values.json) printJson(r);
      else {
        console.log(`${r.received} event(s) read: ${r.added} stored, ${r.unchanged} already stored`);
        if (r.orders.length) console.log(`  re-settled ${r.settled.orders} order(s), ${r.settled.revised} with a new revision`);
        if (r.routing.offered || r.routing.closed || r.routing.cancelled) {
          console.log(`  routing: ${r.routing.offered} request(s) offered, ${r.routing.closed} closed, ${r.routing.cancelled} line(s) cancelled`);
        }
      }
      return EXIT_OK;
    } finally {
      db.close();
    }
  },
};
