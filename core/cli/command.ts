// A subcommand of `ventil`: its help text and what it runs. Exit statuses: 0 success,
// 1 failure, 2 bad input (nothing stored).
import { parseArgs, type ParseArgsConfig } from 'node:util';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_BAD_INPUT = 2;

export interface Command {
  name: string;
  summary: string;
  /** Full help: usage line, description, options. */
  help: string;
  run(argv: string[]): Promise<number> | number;
}

export class UsageError extends Error {}

/** What `parseOptions` returns: node:util's own result type, named so declarations can refer to it. */
export type Parsed<T extends NonNullable<ParseArgsConfig['options']>> = ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: boolean; strict: true }>>;

/** parseArgs with Ventil's conventions: unknown options are usage errors. */
export function parseOptions<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T, allowPositionals = true): Parsed<T> {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export const DB_OPTION = { db: { type: 'string' } } as const;
export const JSON_OPTION = { json: { type: 'boolean' } } as const;
export const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;
