// The `ventil` command: dispatches to a subcommand; every subcommand has --help.
import { EXIT_BAD_INPUT, EXIT_FAILURE, UsageError, type Command } from './command.js';
import { commands } from './commands/index.js';
import { CliFailure, globalOptions, InputFileError, printError } from './io.js';
import { errorFields, logger } from '../log/logger.js';
import { toErrorValue } from '../api/index.js';
import { isDatabaseBusy } from '../store/sqlite.js';
import { startFileLog, type FileLog } from '../log/file-log.js';

const log = logger('cli');

/** The log file (core/log/file-log.ts); a command the log cannot open still runs. */
function openLog(): FileLog | null {
  try {
    return startFileLog();
  } catch (e) {
    process.stderr.write(`ventil: no log file (${(e as Error).message})\n`);
    return null;
  }
}

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `Usage: ventil COMMAND [options]

Ventil settles omnichannel orders across the entities of a franchise network.

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run "ventil COMMAND --help" for the options of a command. The database is --db PATH,
else $VENTIL_DB, else the user data folder; a PostgreSQL database is given as a URL,
postgres://USER@HOST/DB (?host=SOCKET_DIR for a Unix socket). Migrating a PostgreSQL
database that has data takes --i-have-a-backup (after pg_dump: docs/deployment.md).`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...given] = argv;
  globalOptions.backupConfirmed = given.includes('--i-have-a-backup');
  const rest = given.filter((a) => a !== '--i-have-a-backup');
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    const target = name === 'help' ? commands.find((c) => c.name === rest[0]) : undefined;
    console.log(target ? target.help : overview());
    return 0;
  }
  const command: Command | undefined = commands.find((c) => c.name === name);
  if (!command) {
    console.error(`ventil: unknown command "${name}"\n\n${overview()}`);
    return EXIT_BAD_INPUT;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.help);
    return 0;
  }
  const json = rest.includes('--json');
  const file = openLog();
  const started = Date.now();
  // The options given, never their values (a value may be a password or a path to a key).
  log.info(`ventil ${name} started`, { options: rest.filter((a) => a.startsWith('--')).map((a) => a.split('=')[0]) });
  const status = await runCommand(command, rest, json);
  log.info(`ventil ${name} exited with status ${status}`, { status, ms: Date.now() - started });
  file?.close();
  return status;
}

async function runCommand(command: Command, rest: string[], json: boolean): Promise<number> {
  try {
    return await command.run(rest);
  } catch (e) {
    log[e instanceof UsageError || e instanceof InputFileError || (e instanceof CliFailure && e.exitCode === EXIT_BAD_INPUT) ? 'info' : 'error'](`ventil ${command.name} failed`, errorFields(e));
    if (e instanceof UsageError) {
      printError({ code: 'usage', message: `${e.message}\n\n${command.help}` }, json);
      return EXIT_BAD_INPUT;
    }
    if (e instanceof InputFileError) {
      printError({ code: e.code, message: e.message }, json);
      return EXIT_BAD_INPUT;
    }
    if (e instanceof CliFailure) {
      printError(e.error, json);
      return e.exitCode;
    }
    const err = e as { code?: unknown; message?: string };
    // Another process kept the write lock past the wait (docs/deployment.md): its named error.
    if (isDatabaseBusy(e)) printError(toErrorValue(e), json);
    else printError({ code: typeof err.code === 'string' ? err.code : 'internal', message: err.message ?? String(e) }, json);
    return EXIT_FAILURE;
  }
}

const isEntry = process.argv[1] && /[\\/]core[\\/]cli[\\/]main\.ts$/.test(process.argv[1]);
if (isEntry) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
