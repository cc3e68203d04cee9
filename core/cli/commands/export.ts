// `ventil export fec|csv|ledger`: writes an entity's books for a period to a folder.
import { existsSync, linkSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from '../command.js';
import { DB_OPTION, EXIT_OK, HELP_OPTION, JSON_OPTION, UsageError, parseOptions } from '../command.js';
import { CliFailure, call, openCliDatabase, printJson } from '../io.js';

/** Refused: the file exists and the caller did not say --force. Bad input: exit 2. */
export function fileExists(path: string): CliFailure {
  return new CliFailure({ code: 'file_exists', message: `${path} already exists; nothing was written (give --force to replace it)`, issues: [{ path: '--out', code: 'file_exists', message: `${path} already exists` }] });
}

/**
 * Writes a file atomically: a temporary name in the same folder, then a rename. Without
 * `overwrite`, an existing file is never replaced, even one created meanwhile: the temporary
 * file is hard-linked to the name, which fails if the name is taken.
 */
export function writeAtomic(dir: string, name: string, bytes: Uint8Array, opts: { overwrite?: boolean } = {}): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  const tmp = join(dir, `.${name}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, bytes);
    if (opts.overwrite ?? true) renameSync(tmp, path);
    else {
      try {
        linkSync(tmp, path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST' || existsSync(path)) throw fileExists(path);
        // A file system without hard links (some network shares): check, then rename.
        renameSync(tmp, path);
      }
    }
  } finally {
    rmSync(tmp, { force: true });
  }
  return path;
}

const FORMATS = ['fec', 'csv', 'ledger'] as const;

export const exportCommand: Command = {
  name: 'export',
  summary: 'Export an entity\'s books for a period: FEC, CSV or hledger journal',
  help: `Usage: ventil export fec|csv|ledger --entity E --period P --out DIR [--force] [--db PATH] [--json]

Writes one file to DIR:
  fec     <SIREN>FEC<closing date YYYYMMDD>.txt, the FEC of article A47 A-1 LPF (18 columns,
          | separator, decimal comma, ISO 8859-15), checked before it is written. For a fiscal
          year (--period 2026, named by its closing year) the year must be closed (ventil periods
          close); a month (--period 2026-03) is an interim extract named after its last day.
  csv     <ENTITY>_journal_<P>.csv, one row per journal line (UTF-8, comma, decimal point).
  ledger  <ENTITY>_<P>.journal, for hledger (hledger -f FILE check; hledger -f FILE bal).
Bad input (unknown entity, bad period, fiscal year not closed, account mapping naming a missing
account) exits with status 2 and writes nothing; a file is never left half written. A file
already at that name is never replaced (exit 2, file_exists) unless --force is given.`,
  run(argv) {
    const { values, positionals } = parseOptions(argv, {
      entity: { type: 'string' }, period: { type: 'string' }, out: { type: 'string' }, force: { type: 'boolean' }, ...DB_OPTION, ...JSON_OPTION, ...HELP_OPTION,
    });
    const format = positionals[0];
    if (positionals.length !== 1 || !FORMATS.includes(format as never)) throw new UsageError('export takes one format: fec, csv or ledger');
    if (!values.entity) throw new UsageError('export needs --entity E');
    if (!values.period) throw new UsageError('export needs --period P (a fiscal year such as 2026, or a month such as 2026-03)');
    if (!values.out) throw new UsageError('export needs --out DIR');
    const { db, ctx } = openCliDatabase(values.db);
    try {
      const file = call(ctx, `exports.${format as (typeof FORMATS)[number]}`, { entity: values.entity, period: values.period });
      const dir = resolve(values.out);
      // Checked before writing anything, and again at the write itself (a file created meanwhile).
      if (!values.force && existsSync(join(dir, file.name))) throw fileExists(join(dir, file.name));
      const path = writeAtomic(dir, file.name, Buffer.from(file.base64, 'base64'), { overwrite: values.force === true });
      if (values.json) printJson({ path, name: file.name, entries: file.entries, lines: file.lines, encoding: file.encoding });
      else console.log(`wrote ${path} (${file.entries} entries, ${file.lines} lines, ${file.encoding})`);
      return EXIT_OK;
    } finally {
      db.close();
    }
  },
};
