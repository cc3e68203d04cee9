// Opening the database for the security commands, which take `--key-file PATH` besides
// VENTIL_DB_KEY / VENTIL_DB_KEY_FILE (every command honours those two through openDatabase).
// The command line acts as the operator of the machine (SYSTEM_PRINCIPAL): whoever can run it
// can already read the database file (docs/security.md).
import { createContext } from '../api/context.js';
import { openDatabase, readKeyFile } from '../store/database.js';
import { globalOptions, type Opened } from './io.js';
import { resolveDbPath } from './paths.js';

export const KEY_FILE_OPTION = { 'key-file': { type: 'string' } } as const;

export function openKeyedDatabase(dbFlag: string | undefined, keyFile: string | undefined): Opened {
  const path = resolveDbPath(dbFlag);
  const { db, migrated } = openDatabase({ file: path, backupConfirmed: globalOptions.backupConfirmed, ...(keyFile ? { key: readKeyFile(keyFile) } : {}) });
  return { db, ctx: createContext(db), path, migrated: migrated.applied };
}

/** A secret for the command line: from an environment variable, else the first line of stdin. Never from argv. */
export async function readSecret(envName: string): Promise<string> {
  const fromEnv = process.env[envName];
  if (fromEnv) return fromEnv;
  if (process.stdin.isTTY) process.stderr.write(`password (or set ${envName}): `);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
    if (Buffer.concat(chunks).includes(10)) break;
  }
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}
