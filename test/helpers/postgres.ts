// A private PostgreSQL server for tests: Debian's postgresql package, initdb into a temporary
// folder, listening only on a Unix socket in that folder (no TCP port), fsync off. PostgreSQL
// refuses to run as root, so under root the folder is handed to the `postgres` user.
import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Migration } from '../../migrations/types.js';
import { afterAll } from 'vitest';
import { migrate } from '../../core/store/database.js';
import { PgDatabase } from '../../core/store/pg/pg-database.js';
import { postgresBin } from './postgres-bin.js';

export { postgresBin };
import type { Db } from '../../core/store/db.js';

export interface TestPostgres {
  /** Connection URL of a database on the server (created on first use by createDatabase). */
  url(database: string): string;
  /** Creates a database (empty, or a copy of `template`) and returns its URL. */
  createDatabase(name: string, template?: string): string;
  stop(): void;
}

const asRoot = process.getuid?.() === 0;

function runAsOwner(command: string): void {
  if (asRoot) execFileSync('su', ['postgres', '-c', command], { stdio: 'pipe' });
  else execFileSync('sh', ['-c', command], { stdio: 'pipe' });
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function startPostgres(): TestPostgres {
  const bin = postgresBin();
  if (!bin) throw new Error('PostgreSQL is not installed (apt-get install -y postgresql)');
  const dir = mkdtempSync(join(tmpdir(), 'ventil-pg-'));
  if (asRoot) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString().trim()), Number(execFileSync('id', ['-g', 'postgres']).toString().trim()));
  const data = join(dir, 'data');
  runAsOwner(`${quote(join(bin, 'initdb'))} -D ${quote(data)} -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null`);
  runAsOwner(`${quote(join(bin, 'pg_ctl'))} -D ${quote(data)} -w -o ${quote(`-k ${dir} -c listen_addresses= -c fsync=off -c synchronous_commit=off -c full_page_writes=off`)} -l ${quote(join(dir, 'log'))} start >/dev/null`);
  const url = (database: string) => `postgres://postgres@localhost/${database}?host=${encodeURIComponent(dir)}`;
  let stopped = false;
  return {
    url,
    createDatabase(name, template) {
      const create = `CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ''}`;
      // A template's last connection may still be closing (a worker thread ends it): try again briefly.
      for (let attempt = 1; ; attempt++) {
        try {
          execFileSync(join(bin, 'psql'), ['-q', '-v', 'ON_ERROR_STOP=1', url('postgres'), '-c', create], { stdio: 'pipe' });
          return url(name);
        } catch (e) {
          if (!(template && attempt < 50 && /being accessed by other users/.test(String((e as { stderr?: unknown }).stderr)))) throw e;
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
        }
      }
    },
    stop() {
      if (stopped) return;
      stopped = true;
      try { runAsOwner(`${quote(join(bin, 'pg_ctl'))} -D ${quote(data)} -m immediate stop >/dev/null`); } finally { rmSync(dir, { recursive: true, force: true }); }
    },
  };
}

let shared: TestPostgres | null = null;
let templateReady = false;
let databases = 0;

/** This process's server (test workers are processes), started on first use. */
export function sharedPostgres(): TestPostgres {
  if (!shared) {
    shared = startPostgres();
    process.once('exit', stopSharedPostgres);
  }
  return shared;
}

/** Stops this process's server, with every database on it (test/helpers/setup.ts, after each file). */
export function stopSharedPostgres(): void {
  shared?.stop();
  shared = null;
  templateReady = false;
}

/**
 * The URL of a fresh database on this process's server, a copy of a template that `prepare`
 * (given the template's URL) fills once per server: migrating once is what makes a fresh
 * PostgreSQL database as cheap as SQLite's `:memory:`.
 */
export function freshPostgresUrl(prepare: (templateUrl: string) => void): string {
  const server = sharedPostgres();
  if (!templateReady) {
    prepare(server.createDatabase('ventil_template'));
    templateReady = true;
  }
  return server.createDatabase(`ventil_test_${++databases}`, 'ventil_template');
}

export const postgresInstalled = postgresBin() !== null;

/** Whether a file's PostgreSQL tests run; warns, naming the file, when they are skipped. */
export function postgresTestsRun(file: string): boolean {
  if (!postgresInstalled) console.warn(`${file}: PostgreSQL tests skipped, PostgreSQL is not installed (apt-get install -y postgresql)`);
  return postgresInstalled;
}

/**
 * For a describe block of PostgreSQL tests: the file's server (sharedPostgres, stopped after the
 * file by test/helpers/setup.ts), and a function giving each test its own database with the
 * migrations given applied. Warns when the describe is skipped because PostgreSQL is absent.
 */
export function postgresDatabases(file: string): (list: readonly Migration[]) => Db {
  postgresTestsRun(file);
  const open: Db[] = [];
  afterAll(() => { for (const db of open) db.close(); });
  return (list) => {
    const url = sharedPostgres().createDatabase(`migrations_${++databases}`);
    const db = new PgDatabase(url);
    open.push(db);
    migrate(db, url, list, () => new Date());
    return db;
  };
}

/** Copies the rows of tables from one database to another, in the columns the target has. */
export function copyRows(from: Db, to: Db, tables: readonly string[]): void {
  for (const t of tables) {
    const columns = to.prepare('SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position')
      .pluck().all(t) as string[];
    const rows = from.prepare(`SELECT ${columns.join(', ')} FROM ${t}`).raw().all() as unknown[][];
    const insert = to.prepare(`INSERT INTO ${t} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
    for (const r of rows) insert.run(...r);
  }
}
