import type { Command } from '../command.js';
import { DB_OPTION, EXIT_OK, HELP_OPTION, parseOptions } from '../command.js';
import { openCliDatabase } from '../io.js';

export const initCommand: Command = {
  name: 'init',
  summary: 'Create (or migrate) the local database',
  help: `Usage: ventil init [--db PATH]

Creates the local database with the current schema, or applies pending migrations to an
existing one (after backing it up). The default database lives in the user data folder;
--db or VENTIL_DB choose another file.`,
  run(argv) {
    const { values } = parseOptions(argv, { ...DB_OPTION, ...HELP_OPTION }, false);
    const { db, path, migrated } = openCliDatabase(values.db);
    db.close();
    console.log(migrated.length ? `database ${path}: applied ${migrated.join(', ')}` : `database ${path} is up to date`);
    return EXIT_OK;
  },
};
