import { readFileSync } from 'node:fs';
import type { Command } from '../command.js';
import { DB_OPTION, EXIT_FAILURE, EXIT_OK, HELP_OPTION, JSON_OPTION, UsageError, parseOptions } from '../command.js';
import { CliFailure, InputFileError, printJson } from '../io.js';
import { resolveDbPath } from '../paths.js';
import { openDatabase } from '../../store/database.js';
import { fileCredentialStore } from '../../replication/credentials.js';
import { HubError } from '../../replication/client.js';
import { joinNetwork, syncOnce } from '../../replication/sync.js';

export const joinCommand: Command = {
  name: 'join',
  summary: 'Make an empty database a replica of a hub, with the one-time code IT gave',
  help: `Usage: ventil join URL --code CODE [--db PATH] [--ca FILE] [--name NAME] [--json]

Exchanges the enrolment code (ventil devices enroll on the hub) for this device's own
credential, makes the database (empty, or new) a replica of the hub at URL, and pulls its
scope. URL is https://HOST:PORT (http:// only for a hub on this machine's loopback address).
  --ca FILE    the CA certificate (PEM) that signed the hub's, when it is a private CA
  --name NAME  how the hub lists this device (default: the name given at enrolment)
The credential is kept next to the database, in PATH.device (readable by its owner only);
keep it with the database key. Then "ventil sync --once --db PATH" syncs again
(docs/deployment.md).`,
  async run(argv) {
    const { values, positionals } = parseOptions(argv, {
      ...DB_OPTION, ...JSON_OPTION, ...HELP_OPTION, code: { type: 'string' }, ca: { type: 'string' }, name: { type: 'string' },
    });
    if (positionals.length !== 1 || !values.code) throw new UsageError('join takes the hub\'s URL and --code CODE');
    let ca: string | null = null;
    if (values.ca) {
      try {
        ca = readFileSync(values.ca, 'utf8');
      } catch (e) {
        throw new InputFileError('file_unreadable', `cannot read ${values.ca}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    }
    const path = resolveDbPath(values.db);
    const { db } = openDatabase({ file: path });
    const credentials = fileCredentialStore(path);
    const log = (line: string) => { if (!values.json) process.stderr.write(`${line}\n`); };
    try {
      let joined;
      try {
        joined = await joinNetwork(db, { url: positionals[0]!, code: values.code, ca, ...(values.name ? { name: values.name } : {}) }, { credentials, log });
      } catch (e) {
        const err = e as HubError;
        throw new CliFailure({ code: err.code ?? 'internal', message: err.message, ...((err as { issues?: [] }).issues ? { issues: (err as { issues?: [] }).issues } : {}) });
      }
      const sync = await syncOnce(db, { credentials, log });
      if (values.json) printJson({ joined, sync });
      else {
        console.log(`this database is now a replica of ${joined.hub_url}: device ${joined.device.id} (${joined.device.name}), scope ${joined.device.scope}`);
        console.log(sync.complete ? `pulled ${sync.written} document(s) in ${sync.pages} page(s); data as of ${sync.data_as_of}` : `first pull not finished (${sync.error?.message ?? 'hub unreachable'}); run ventil sync --once --db ${path}`);
        console.log(`device credential kept in ${credentials.where}`);
      }
      return sync.complete ? EXIT_OK : EXIT_FAILURE;
    } finally {
      db.close();
    }
  },
};
