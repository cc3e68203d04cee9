// A lost PostgreSQL connection in the middle of `ventil import` and of `ventil release` leaves
// nothing of the interrupted transaction: the test holds a table the command writes late behind
// a lock, so the command is inside its transaction with earlier rows written, then ends its
// server-side backend (pg_terminate_backend). Every table then holds what it held before, and
// running the command again stores what an uninterrupted run stores. Bad input on PostgreSQL
// gets the same named errors as on SQLite (exit 2, nothing stored).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgDatabase } from '../../core/store/pg/pg-database.js';
import { exampleFile, tempDir, writeBrokenExample } from '../helpers/db.js';
import { postgresTestsRun, sharedPostgres, type TestPostgres } from '../helpers/postgres.js';
import { runVentil } from '../helpers/processes.js';

const installed = postgresTestsRun('postgres-lost-connection.test');
const AS_OF = '2026-04-01T00:00:00Z';

// The real command (bin/ventil.mjs; the test bundle cannot start PostgreSQL's worker thread).
const ventil = async (args: string[]) => {
  const r = await runVentil(args, {}, 120_000);
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
};

/** Rows per table (every table of the schema). */
function counts(url: string): Record<string, number> {
  const db = new PgDatabase(url);
  try {
    const tables = db.prepare("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name")
      .pluck().all() as string[];
    return Object.fromEntries(tables.map((t) => [t, db.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number]));
  } finally {
    db.close();
  }
}

/**
 * Runs `ventil ARGS` while `table` is locked, waits until the command waits on that lock (inside
 * its transaction), ends the command's backend, then lets the lock go. Resolves with the result.
 */
async function cutOff(url: string, table: string, args: string[]) {
  const gate = new PgDatabase(url);
  const watch = new PgDatabase(url);
  try {
    gate.exec(`BEGIN; LOCK TABLE ${table} IN EXCLUSIVE MODE`);
    const running = ventil(args);
    const waiter = watch.prepare("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()").pluck();
    const deadline = Date.now() + 100_000;
    let pid: number | undefined;
    while ((pid = waiter.get() as number | undefined) === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(pid, `ventil ${args[0]} waits on ${table}`).toBeDefined();
    expect(watch.prepare('SELECT pg_terminate_backend(?)').pluck().get(pid)).toBe(1);
    gate.exec('COMMIT');
    return await running;
  } finally {
    gate.close();
    watch.close();
  }
}

function transfers(url: string) {
  const db = new PgDatabase(url);
  try {
    return db.prepare('SELECT idempotency_key, entity, currency, amount, kind, status FROM transfers ORDER BY idempotency_key').raw().all();
  } finally {
    db.close();
  }
}

describe.skipIf(!installed)('a lost PostgreSQL connection, and bad input, on PostgreSQL', () => {
  let server: TestPostgres;
  const tmp = tempDir('ventil-pg-lost-');
  beforeAll(() => { server = sharedPostgres(); });
  afterAll(() => tmp.cleanup());

  it('import: nothing of the cut transaction is stored; importing again stores the scenario', async () => {
    const url = server.createDatabase('import_cut');
    expect((await ventil(['init', '--db', url])).status).toBe(0);
    const before = counts(url);
    // settlements are written after the entities, rules and orders, in the same transaction.
    const cut = await cutOff(url, 'settlements', ['import', exampleFile('network-basic.json'), '--db', url]);
    expect(cut.status, cut.stdout).not.toBe(0);
    expect(cut.stderr).toMatch(/terminat|connection/i);
    expect(counts(url)).toEqual(before);
    const again = await ventil(['import', exampleFile('network-basic.json'), '--db', url]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/orders +5 added, 0 unchanged/);
    const clean = server.createDatabase('import_clean');
    expect((await ventil(['import', exampleFile('network-basic.json'), '--db', clean])).status).toBe(0);
    expect(counts(url)).toEqual(counts(clean));
  }, 420_000);

  it('release: nothing of the cut run is stored; releasing again writes the same transfers as an uninterrupted run', async () => {
    const url = server.createDatabase('release_cut');
    const clean = server.createDatabase('release_clean');
    for (const u of [url, clean]) expect((await ventil(['import', exampleFile('network-basic.json'), '--db', u])).status).toBe(0);
    const before = counts(url);
    // The outbox call of each transfer is written after the run, the transfer and its items.
    const cut = await cutOff(url, 'outbox', ['release', '--as-of', AS_OF, '--db', url, '--json']);
    expect(cut.status, cut.stdout).not.toBe(0);
    expect(counts(url)).toEqual(before);
    const again = await ventil(['release', '--as-of', AS_OF, '--db', url, '--json']);
    expect(again.status, again.stderr).toBe(0);
    expect((await ventil(['release', '--as-of', AS_OF, '--db', clean, '--json'])).status).toBe(0);
    const got = transfers(url);
    expect(got.length).toBeGreaterThan(0);
    expect(got).toEqual(transfers(clean));
    expect(counts(url)).toEqual(counts(clean));
  }, 420_000);

  it('bad input: the same named errors as on SQLite, exit 2, nothing stored', async () => {
    const file = writeBrokenExample(tmp.dir);
    const url = server.createDatabase('bad_input');
    expect((await ventil(['init', '--db', url])).status).toBe(0);
    const before = counts(url);
    const sqlite = await ventil(['import', file, '--db', join(tmp.dir, 'broken.db'), '--json']);
    const pg = await ventil(['import', file, '--db', url, '--json']);
    expect(pg.status).toBe(2);
    expect(sqlite.status).toBe(2);
    const error = (out: string) => (JSON.parse(out) as { error: unknown }).error;
    expect(error(pg.stdout)).toEqual(error(sqlite.stdout));
    const text = await ventil(['import', file, '--db', url]);
    expect(text.status).toBe(2);
    expect(text.stderr).toMatch(/rules\[0\]\.legs\[0\]\.rate/);
    expect(text.stderr).toMatch(/orders\[1\]\.lines\[0\]\.candidates/);
    const notJson = join(tmp.dir, 'bad.json');
    writeFileSync(notJson, '{ nope');
    const r = await ventil(['import', notJson, '--db', url]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/not valid JSON/);
    expect((await ventil(['import', join(tmp.dir, 'missing.json'), '--db', url])).status).toBe(2);
    // A release before anything is imported, with a bad date: named, exit 2.
    const date = await ventil(['release', '--as-of', 'yesterday', '--db', url, '--json']);
    const sqliteDate = await ventil(['release', '--as-of', 'yesterday', '--db', join(tmp.dir, 'broken.db'), '--json']);
    expect(date.status).toBe(2);
    expect(date.stdout).toEqual(sqliteDate.stdout);
    expect(counts(url)).toEqual(before);
  }, 420_000);
});
