import type { Command } from '../command.js';
import { DB_OPTION, EXIT_OK, HELP_OPTION, JSON_OPTION, parseOptions } from '../command.js';
import { seedDemo } from '../../demo/seed.js';
import { call, openCliDatabase, printJson } from '../io.js';

export const demoCommand: Command = {
  name: 'demo',
  summary: 'Create the demo network with a few hundred orders, and print what it holds',
  help: `Usage: ventil demo [--db PATH] [--json]

Fills an empty database with the demo network (head office, a 3PL, twelve franchisees in
eight regions, their stores and warehouses, commission and royalty rules) and four hundred
orders over three months with their lifecycle events. The database is marked as demo. The
desktop app creates the same demo on its first start. Run on the demo database again, it only
prints what it holds; on a database holding another network it refuses.`,
  run(argv) {
    const { values } = parseOptions(argv, { ...DB_OPTION, ...JSON_OPTION, ...HELP_OPTION }, false);
    const { db, ctx, path } = openCliDatabase(values.db);
    try {
      const { created } = seedDemo(ctx);
      const summary = call(ctx, 'network.summary', {});
      if (values.json) printJson({ created, database: path, summary });
      else {
        console.log(`${created ? 'created the demo network in' : 'the demo network is already in'} ${path}`);
        for (const [k, v] of Object.entries(summary)) console.log(`  ${k.padEnd(15)} ${v}`);
      }
      return EXIT_OK;
    } finally {
      db.close();
    }
  },
};
