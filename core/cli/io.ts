// What the commands share: opening the database, reading JSON files, printing results and
// errors the same way (human text, or `{ ok, ... }` JSON with --json).
import { readFileSync } from 'node:fs';
import { createContext } from '../api/context.js';
import { callApi, type ApiOutput, type OperationName } from '../api/index.js';
import { formatIssues, type ErrorValue } from '../api/errors.js';
import type { ApiContext } from '../api/handler.js';
import { openDatabase } from '../store/database.js';
import type { Db } from '../store/db.js';
import { EXIT_BAD_INPUT, EXIT_FAILURE } from './command.js';
import { resolveDbPath } from './paths.js';

export interface Opened { db: Db; ctx: ApiContext; path: string; migrated: string[] }

/**
 * What every command accepts besides its own options: `--i-have-a-backup` (the operator took a
 * pg_dump of a PostgreSQL database with migrations to apply). Set by main.ts.
 */
export const globalOptions = { backupConfirmed: false };

export function openCliDatabase(flag: string | undefined): Opened {
  const path = resolveDbPath(flag);
  const { db, migrated } = openDatabase({ file: path, backupConfirmed: globalOptions.backupConfirmed });
  return { db, ctx: createContext(db), path, migrated: migrated.applied };
}

export class InputFileError extends Error {
  constructor(readonly code: string, message: string) { super(message); }
}

export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputFileError('file_unreadable', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputFileError('invalid_json', `${file} is not valid JSON: ${(e as Error).message}`);
  }
}

/**
 * Calls an API operation as the command-line operator; returns the value (typed by the API's
 * contract) or throws a CliFailure. The input is what the user gave: the operation checks it.
 */
export function call<K extends OperationName>(ctx: ApiContext, name: K, input: unknown): ApiOutput<K> {
  const result = callApi(ctx, name, input);
  if (!result.ok) throw new CliFailure(result.error);
  return result.value as ApiOutput<K>;
}

const BAD_INPUT_CODES = new Set(['invalid_input', 'invalid_scenario', 'invalid_events', 'import_conflict', 'invalid_reference', 'duplicate_id', 'file_unreadable', 'invalid_json', 'usage',
  // One network, many installations: an operation of the hub asked of a replica, a revoked
  // device, a join that cannot be (docs/deployment.md).
  'hub_only', 'device_revoked', 'user_required', 'tls_required', 'invalid_url', 'not_empty', 'already_joined', 'not_a_replica',
  'enrolment_code_invalid', 'enrolment_code_used', 'enrolment_code_expired', 'version_mismatch', 'replica_cannot_be_hub']);

export class CliFailure extends Error {
  constructor(readonly error: ErrorValue) { super(error.message); }
  get exitCode(): number { return BAD_INPUT_CODES.has(this.error.code) || (this.error.issues?.length ?? 0) > 0 ? EXIT_BAD_INPUT : EXIT_FAILURE; }
}

export function printError(error: ErrorValue, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ ok: false, error })}\n`);
    return;
  }
  process.stderr.write(`ventil: ${error.message} [${error.code}]\n`);
  if (error.issues?.length) process.stderr.write(`${formatIssues(error.issues)}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify({ ok: true, ...(value as object) }, null, 2)}\n`);
}
