// The PostgreSQL side of the settlement benchmark (`npm run bench -- --db postgres`): a private
// server (test/helpers/postgres.ts), the scenario imported once into a template database, one
// copy settled and stored as on SQLite (opened with openDatabase, as `--db postgres://…` does),
// another filled by a raw insert of the same rows: one `INSERT ... SELECT FROM unnest(column
// arrays)` per chunk (core/store/bulk-insert.ts on PostgreSQL, decision 0013's fastest way), in
// transactions of the settlement's batch size. The server's CPU counts: it is read from /proc.
import { readFileSync, readdirSync } from 'node:fs';
import { bulkInsert } from '../core/store/bulk-insert.js';
import { openDatabase } from '../core/store/database.js';
import type { Db } from '../core/store/db.js';
import { columnsOf } from '../core/store/dialect.js';
import { startPostgres, type TestPostgres } from '../test/helpers/postgres.js';

export interface Timed { seconds: number; cpu: number }

export interface PgBenchOptions {
  /** Imports the scenario into a freshly migrated database (untimed). */
  importInto(db: Db): void;
  /** Settles and stores every order; seconds and CPU seconds of this process. */
  settle(db: Db): Timed & { lines: number };
  tables: readonly string[];
  batches: number;
  now: Date;
  log(msg: string): void;
}

export interface PgBenchResult {
  settle: Timed & { serverCpu: number; lines: number };
  raw: Timed & { serverCpu: number; rows: number };
}

/** CPU ticks per second of /proc's times (USER_HZ: 100 on Linux). */
const TICKS = 100;

/**
 * CPU seconds the server has used so far: the postmaster's own time and its reaped children's
 * (backends that ended), plus the time of its children still running (the connections, the
 * background writer, autovacuum).
 */
function serverCpuSeconds(server: TestPostgres): number {
  const socketDir = new URL(server.url('postgres')).searchParams.get('host')!;
  const postmaster = Number(readFileSync(`${socketDir}/data/postmaster.pid`, 'utf8').split('\n')[0]);
  const stat = (pid: number) => {
    // Fields after the command's closing parenthesis: state is field 3, ppid 4, utime 14 ... cstime 17.
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), own: Number(f[11]) + Number(f[12]), children: Number(f[13]) + Number(f[14]) };
  };
  const main = stat(postmaster);
  let ticks = main.own + main.children;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const s = stat(Number(entry));
      if (s.ppid === postmaster) ticks += s.own;
    } catch { /* the process ended while listed: its time is now the postmaster's children's */ }
  }
  return ticks / TICKS;
}

const open = (url: string, now: Date) => openDatabase({ file: url, now: () => now, backupConfirmed: true }).db;

/** Settles on a copy of the imported database, then raw-inserts the same rows into another copy. */
export function benchPostgres(o: PgBenchOptions): PgBenchResult {
  const server = startPostgres();
  try {
    const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;
    let t = process.hrtime.bigint();
    const imported = open(server.createDatabase('ventil_imported'), o.now);
    imported.transaction(() => o.importInto(imported))();
    imported.close();
    o.log(`PostgreSQL: imported in ${seconds(t).toFixed(1)} s (into a template copied for each run)`);

    const settleUrl = server.createDatabase('ventil_settle', 'ventil_imported');
    const rawUrl = server.createDatabase('ventil_raw', 'ventil_imported');
    const db = open(settleUrl, o.now);
    let server0 = serverCpuSeconds(server);
    const settled = o.settle(db);
    const settle = { ...settled, serverCpu: serverCpuSeconds(server) - server0 };

    const target = open(rawUrl, o.now);
    let rawSeconds = 0;
    let rawCpu = 0;
    let rawServerCpu = 0;
    let rows = 0;
    for (const table of o.tables) {
      const columns = columnsOf(db, table).map((c) => c.name);
      const all = db.prepare(`SELECT ${columns.join(', ')} FROM ${table}`).raw().all() as unknown[][];
      if (all.length === 0) continue;
      const size = Math.ceil(all.length / o.batches);
      t = process.hrtime.bigint();
      const c0 = process.cpuUsage();
      server0 = serverCpuSeconds(server);
      const insert = bulkInsert(target, `INSERT INTO ${table} (${columns.join(', ')}) VALUES`, columns.length);
      for (let b = 0; b < o.batches; b++) {
        target.transaction(() => {
          for (let i = b * size; i < Math.min(all.length, (b + 1) * size); i++) insert.add(all[i]!);
          insert.flush();
        })();
      }
      const s = seconds(t);
      const c = process.cpuUsage(c0);
      rawCpu += (c.user + c.system) / 1e6;
      rawServerCpu += serverCpuSeconds(server) - server0;
      o.log(`  raw ${table}: ${all.length.toLocaleString('en-US')} rows in ${s.toFixed(1)} s`);
      rawSeconds += s;
      rows += all.length;
    }
    target.close();
    db.close();
    return { settle, raw: { seconds: rawSeconds, cpu: rawCpu, serverCpu: rawServerCpu, rows } };
  } finally {
    server.stop();
  }
}
