import type { Command } from '../command.js';
import { DB_OPTION, EXIT_OK, HELP_OPTION, JSON_OPTION, UsageError, parseOptions } from '../command.js';
import { call, openCliDatabase, printJson, readJsonFile } from '../io.js';

export const importCommand: Command = {
  name: 'import',
  summary: 'Import a ventil.scenario/1 file (network, rules, orders, events)',
  help: `Usage: ventil import FILE [--db PATH] [--json]

Validates the whole file first: every problem is printed with its JSON path and the command
exits with status 2, storing nothing. Then stores what is new in one transaction. Importing the
same file again changes nothing; the same id with other content is an error (a rule change is a
new version, never an overwrite).`,
  run(argv) {
    const { values, positionals } = parseOptions(argv, { ...DB_OPTION, ...JSON_OPTION, ...HELP_OPTION });
    if (positionals.length !== 1) throw new UsageError('import takes exactly one FILE');
    const file = positionals[0]!;
    const scenario = readJsonFile(file);
    const { db, ctx } = openCliDatabase(values.db);
    try {
      const result = call(ctx, 'scenario.import', { scenario, source: file });
      if (values.json) printJson(result);
      else {
        console.log(result.changed ? `imported ${file}` : `${file}: already imported, nothing changed`);
        for (const [k, v] of Object.entries(result.summary)) {
          console.log(`  ${k.padEnd(11)} ${typeof v === 'string' ? v : `${(v as { added: number }).added} added, ${(v as { unchanged: number }).unchanged} unchanged`}`);
        }
      }
      return EXIT_OK;
    } finally {
      db.close();
    }
  },
};
