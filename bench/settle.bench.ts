// Settlement throughput: generates a network of 500 entities and N orders (default 100,000,
// about 250,000 lines), imports them, then settles and stores them; in the same run it inserts
// the same rows into the same tables of a second database with plain prepared statements and
// no computation, and prints the ratio of the two rates. Then the same with the books: settled,
// posted and stored in one transaction, as an import does, against a raw insert of the same rows,
// the books' included. Usage:
//   npm run bench -- [--orders N] [--posting daily|detail] [--keep] [--skip-books] [--books-only] [--settle-only] [--skip-raw] [--rounds N] [--db sqlite|postgres]
// --db postgres settles the same orders on SQLite, then on a private PostgreSQL server against a
// raw insert of the same rows there (bench/pg-target.ts); settlement only, no books.
// --settle-only stops after the settlement (no books, no raw insert, no ratio): for profiling.
// --books-only measures only settle+post+store (the million-line run); --skip-books only settle;
// --skip-raw leaves out the raw insert of the books' rows (time and row counts only).
// --rounds N repeats the books' comparison N times (a fresh database each) and prints the median
// ratio: on a shared machine one round's ratio varies by a tenth.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { validateScenario, type Scenario } from '../core/domain/scenario.js';
import { eventsByOrder } from '../core/domain/settle.js';
import { prepareSettlementRun, settleStoredOrders, type SettleRun, type SettleStats as Stats } from '../core/api/settlement-runner.js';
import { importScenario } from '../core/store/scenario-repo.js';
import { awaitCheckpoint } from '../core/store/checkpoint.js';
import { openSqliteDatabase } from '../core/store/database.js';
import type { Db } from '../core/store/db.js';
import { isSqlite } from '../core/store/dialect.js';
import { BENCH_NOW, networkScenario } from './network-scenario.js';
import { benchPostgres } from './pg-target.js';

const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '100000' }, posting: { type: 'string', default: 'daily' }, keep: { type: 'boolean' },
    'skip-books': { type: 'boolean' }, 'books-only': { type: 'boolean' }, 'settle-only': { type: 'boolean' }, 'skip-raw': { type: 'boolean' },
    db: { type: 'string', default: 'sqlite' }, rounds: { type: 'string', default: '1' },
  },
});
const orderCount = Number(values.orders);
if (!Number.isInteger(orderCount) || orderCount < 1) throw new Error(`--orders ${values.orders} is not a positive integer`);
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds ${values.rounds} is not a positive integer`);
const posting = values.posting as 'daily' | 'detail';
if (posting !== 'daily' && posting !== 'detail') throw new Error(`--posting ${values.posting}: daily or detail`);
if (values.db !== 'sqlite' && values.db !== 'postgres') throw new Error(`--db ${values.db}: sqlite or postgres`);

const dir = mkdtempSync(join(tmpdir(), 'ventil-bench-'));
const now = BENCH_NOW;
const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;
/** CPU seconds of the process (every thread) since `c0`: steadier than wall time on a shared machine. */
const cpuSeconds = (c0: NodeJS.CpuUsage) => { const c = process.cpuUsage(c0); return (c.user + c.system) / 1e6; };
const rate = (n: number, s: number) => Math.round(n / s).toLocaleString('en-US');
const fmt = (n: number) => n.toLocaleString('en-US');

function log(msg: string) { process.stdout.write(`${msg}\n`); }

let t = process.hrtime.bigint();
const raw = networkScenario(orderCount);
for (const e of raw.network.entities) (e as { posting?: string }).posting = posting;
const lines = raw.orders.reduce((n, o) => n + o.lines.length, 0);
log(`generated ${raw.network.entities.length} entities, ${fmt(orderCount)} orders, ${fmt(lines)} lines, ${fmt(raw.events.length)} events in ${seconds(t).toFixed(1)} s`);

t = process.hrtime.bigint();
const validated = validateScenario(raw);
if (!validated.ok) throw new Error(`generated scenario is invalid: ${JSON.stringify(validated.issues.slice(0, 5))}`);
const scenario: Scenario = validated.scenario;
log(`validated in ${seconds(t).toFixed(1)} s`);

/** A database with the scenario imported; `settles`: its orders are settled next (not a raw insert's target). */
function freshDb(name: string, settles = true) {
  const { db } = openSqliteDatabase({ file: join(dir, name), now: () => now });
  // As the import does (scenario.import): the settlement worker loads while the orders are written.
  if (settles) prepareSettlementRun(scenario.orders.length);
  const t0 = process.hrtime.bigint();
  db.transaction(() => {
    const r = importScenario(db, scenario, now.toISOString());
    if (r.conflicts.length) throw new Error('conflicts');
  })();
  return { db, importSeconds: seconds(t0) };
}

/** Where the chunks were computed (settle-pool.ts: the worker, or this thread while the worker loads or falls behind). */
const chunksOf = (s: Stats) => `chunks computed on the worker ${s.workerChunks ?? 0}, on the writing thread ${s.inlineChunks ?? 0}`;

/**
 * Settles (and posts, with `books`) every order from memory, as an import does: in one
 * transaction (scenario.import's), in batches of the runner's default size. PostgreSQL's
 * comparison keeps its transactions of 5,000 orders (`perBatch`).
 */
function settleRun(db: Db, books: boolean, perBatch = false): { run: SettleRun; seconds: number; cpu: number; commit: number; checkpoint: number; stats: Stats } {
  const byOrder = eventsByOrder(scenario.events);
  const preloaded = new Map(scenario.orders.map((order) => [order.id, { order, events: byOrder.get(order.id) ?? [] }]));
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const stats: Stats = { dayTotalsMs: 0 };
  let computed = t0;
  const run = perBatch
    ? settleStoredOrders(db, { now, reason: 'bench', batchSize: 5000, preloaded, postBooks: books, stats })
    : db.transaction(() => {
      const r = settleStoredOrders(db, { now, reason: 'bench', preloaded, postBooks: books, stats });
      computed = process.hrtime.bigint();
      return r;
    }).immediate();
  // The commit: the WAL's write and, past its size limit, the checkpoint that copies it into the
  // file, unless the run deferred it to another thread (checkpoint.ts): awaited here, untimed but
  // counted in the CPU, so that it does not run during the next timing.
  const wall = seconds(t0);
  const commit = perBatch ? 0 : seconds(computed);
  const t1 = process.hrtime.bigint();
  if (isSqlite(db) && !awaitCheckpoint(db, 600_000)) throw new Error('the deferred checkpoint did not end within 10 minutes');
  return { run, seconds: wall, cpu: cpuSeconds(c0), commit, checkpoint: seconds(t1), stats };
}

const SETTLEMENT_TABLES = ['settlements', 'settlement_revisions', 'settlement_lines', 'order_parties', 'entity_day_totals', 'entity_day_legs'];
/** Counted with the tables, not inserted raw: views of rows held in the tables (the shares in their revisions since migration 0018). */
const COUNTED_VIEWS = ['entity_shares'];
const BOOKS_TABLES = ['journal_entries', 'journal_lines', 'subledger', 'daily_batches', 'daily_batch_lines', 'invoice_items', 'invoice_totals', 'invoice_credit_refs',
  'invoices', 'invoice_lines', 'posting_issues'];

/**
 * The same rows, read back, inserted into the same tables of a second database. One table at a
 * time is held in memory (a million lines make about eight million rows); only inserts are timed,
 * in as many transactions per table as the settlement committed (`batches`). Returns seconds and
 * row counts.
 */
function rawInsert(sourceFile: string, tables: readonly string[], batches: number, name: string): { seconds: number; cpu: number; rows: number; counts: Record<string, number> } {
  const { db: rawDb } = freshDb(name, false);
  const source = openSqliteDatabase({ file: join(dir, sourceFile), now: () => now, readonly: true }).db;
  let total = 0;
  let cpu = 0;
  let rowCount = 0;
  const counts: Record<string, number> = {};
  for (const tbl of tables) {
    const columns = source.prepare(`SELECT * FROM ${tbl} LIMIT 1`).columns().map((c) => c.name);
    let rows: unknown[][] | null = source.prepare(`SELECT * FROM ${tbl}`).raw().all() as unknown[][];
    counts[tbl] = rows.length;
    if (rows.length === 0) continue;
    const stmt = rawDb.prepare(`INSERT INTO ${tbl} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
    const size = Math.ceil(rows.length / batches);
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    for (let b = 0; b < batches; b++) {
      rawDb.transaction(() => { for (let i = b * size; i < Math.min(rows!.length, (b + 1) * size); i++) stmt.run(rows![i]); })();
    }
    const s = seconds(t0);
    cpu += cpuSeconds(c0);
    log(`  raw ${tbl}: ${fmt(rows.length)} rows in ${s.toFixed(1)} s`);
    total += s;
    rowCount += rows.length;
    rows = null;
  }
  source.close();
  rawDb.close();
  return { seconds: total, cpu, rows: rowCount, counts };
}

/** Transactions of PostgreSQL's comparison (5,000 orders each); SQLite's settlement commits once, as an import. */
const batches = Math.max(1, Math.ceil(orderCount / 5000));

if (values.db === 'postgres') {
  const { db } = freshDb('settle.db');
  const sqlite = settleRun(db, false, true);
  db.close();
  log(`SQLite: settled and stored ${fmt(sqlite.run.lines)} lines in ${sqlite.seconds.toFixed(1)} s, ${sqlite.cpu.toFixed(1)} CPU s`);
  const pg = benchPostgres({
    importInto: (target) => { if (importScenario(target, scenario, now.toISOString()).conflicts.length) throw new Error('conflicts'); },
    settle: (target) => { const r = settleRun(target, false, true); return { seconds: r.seconds, cpu: r.cpu, lines: r.run.lines }; },
    tables: SETTLEMENT_TABLES, batches, now, log,
  });
  const { settle, raw: r } = pg;
  log(`PostgreSQL: settled and stored ${fmt(settle.lines)} lines in ${settle.seconds.toFixed(1)} s (${rate(settle.lines, settle.seconds)} lines/s), ${settle.cpu.toFixed(1)} CPU s + server ${settle.serverCpu.toFixed(1)} CPU s`);
  log(`PostgreSQL: raw insert of the same ${fmt(r.rows)} rows in ${r.seconds.toFixed(1)} s (${rate(lines, r.seconds)} lines/s), ${r.cpu.toFixed(1)} CPU s + server ${r.serverCpu.toFixed(1)} CPU s`);
  log(`ratio ${(r.seconds / settle.seconds).toFixed(2)} (settle ${Math.round(settle.lines / settle.seconds)} lines/s, raw insert ${Math.round(lines / r.seconds)} lines/s, PostgreSQL)`);
  log(`ratio-cpu ${((r.cpu + r.serverCpu) / (settle.cpu + settle.serverCpu)).toFixed(2)} (settle ${(settle.cpu + settle.serverCpu).toFixed(1)} CPU s, raw insert ${(r.cpu + r.serverCpu).toFixed(1)} CPU s, both processes)`);
  log(`postgres/sqlite ${(settle.seconds / sqlite.seconds).toFixed(2)} in time, ${((settle.cpu + settle.serverCpu) / sqlite.cpu).toFixed(2)} in CPU (target: at most 2)`);
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

if (!values['books-only']) {
  const { db, importSeconds } = freshDb('settle.db');
  log(`imported in ${importSeconds.toFixed(1)} s (${rate(lines, importSeconds)} lines/s)`);
  const { run, seconds: settleSeconds, stats } = settleRun(db, false);
  const settleRate = run.lines / settleSeconds;
  log(`settled and stored ${fmt(run.lines)} lines in ${settleSeconds.toFixed(1)} s (${rate(run.lines, settleSeconds)} lines/s, engine ${run.parallel ? 'on a worker thread' : 'inline'}; day totals ${(stats.dayTotalsMs / 1000).toFixed(1)} s of it; ${chunksOf(stats)})`);
  db.close();
  if (values['settle-only']) {
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  }
  const r = rawInsert('settle.db', SETTLEMENT_TABLES, 1, 'raw.db');
  const rawRate = lines / r.seconds;
  log(`raw insert of the same ${fmt(r.rows)} rows in ${r.seconds.toFixed(1)} s (${rate(lines, r.seconds)} lines/s)`);
  log(`ratio ${(settleRate / rawRate).toFixed(2)} (settle ${Math.round(settleRate)} lines/s, raw insert ${Math.round(rawRate)} lines/s)`);
}

/** The median of a non-empty list. */
const median = (xs: readonly number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2; };

/**
 * One round of the books' comparison: settled, posted and stored in a fresh database, then its
 * rows inserted raw into another (unless --skip-raw); returns the two ratios, or null without raw.
 */
function booksRound(round: number, of: number): { ratio: number; cpuRatio: number } | null {
  const tag = of > 1 ? `round ${round + 1} of ${of}: ` : '';
  const name = of > 1 ? `books-${round + 1}.db` : 'books.db';
  // The books, as an import posts them: settled, posted and stored in the same transactions.
  const { db } = freshDb(name);
  const count = (tbl: string) => db.prepare(`SELECT count(*) FROM ${tbl}`).pluck().get() as number;
  const before = Object.fromEntries([...SETTLEMENT_TABLES, ...COUNTED_VIEWS, ...BOOKS_TABLES].map((tbl) => [tbl, count(tbl)]));
  const { run, seconds: booksSeconds, cpu: booksCpu, commit, checkpoint, stats } = settleRun(db, true);
  const after = Object.fromEntries([...SETTLEMENT_TABLES, ...COUNTED_VIEWS, ...BOOKS_TABLES].map((tbl) => [tbl, count(tbl)]));
  const booksRate = run.lines / booksSeconds;
  log(`${tag}settled, posted (${posting}) and stored ${fmt(run.lines)} lines in ${booksSeconds.toFixed(1)} s (${rate(run.lines, booksSeconds)} lines/s; the commit ${commit.toFixed(1)} s of it; the checkpoint after it, on another thread, ${checkpoint.toFixed(1)} s)`);
  if (round === 0) log(`rows per table before → after: ${Object.keys(after).map((tbl) => `${tbl} ${fmt(before[tbl]!)} → ${fmt(after[tbl]!)}`).join(', ')}`);
  log(`${tag}settle+post+store used ${booksCpu.toFixed(1)} CPU s (both threads; ${chunksOf(stats)})`);
  db.close();
  if (values['skip-raw']) return null;
  const rawName = of > 1 ? `raw-books-${round + 1}.db` : 'raw-books.db';
  const r = rawInsert(name, [...SETTLEMENT_TABLES, ...BOOKS_TABLES], 1, rawName);
  const rawRate = lines / r.seconds;
  log(`${tag}raw insert of the same ${fmt(r.rows)} rows in ${r.seconds.toFixed(1)} s (${rate(lines, r.seconds)} lines/s)`);
  const ratio = booksRate / rawRate;
  log(`${of > 1 ? `${tag}ratio ` : 'ratio-books '}${ratio.toFixed(2)} (settle+post+store ${Math.round(booksRate)} lines/s in ${booksSeconds.toFixed(1)} s, raw insert ${Math.round(rawRate)} lines/s, ${posting} posting)`);
  // CPU time counts both threads of the run (the engine's worker too): on a loaded machine the
  // wall-time ratio mostly measures the other jobs, this one what each side costs.
  const cpuRatio = r.cpu / booksCpu;
  log(`${of > 1 ? `${tag}ratio-cpu ` : 'ratio-books-cpu '}${cpuRatio.toFixed(2)} (settle+post+store ${booksCpu.toFixed(1)} CPU s, raw insert ${r.cpu.toFixed(1)} CPU s)`);
  // A round's databases go once measured (each is some 300 MB at 20,000 orders), unless kept.
  if (of > 1 && !values.keep) for (const f of [name, rawName]) for (const x of ['', '-wal', '-shm']) rmSync(join(dir, f + x), { force: true });
  return { ratio, cpuRatio };
}

if (!values['skip-books'] && !values['settle-only']) {
  // Rounds one after the other, each its settlement then its raw insert: the machine's slow
  // minutes fall on both sides of some rounds, and the median leaves the odd round out.
  const results = Array.from({ length: rounds }, (_, i) => booksRound(i, rounds)).filter((r) => r !== null);
  if (rounds > 1 && results.length > 0) {
    const list = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(', ');
    log(`ratio-books ${median(results.map((r) => r.ratio)).toFixed(2)} (median of ${rounds} rounds: ${list(results.map((r) => r.ratio))}; ${posting} posting)`);
    log(`ratio-books-cpu ${median(results.map((r) => r.cpuRatio)).toFixed(2)} (median of ${rounds} rounds: ${list(results.map((r) => r.cpuRatio))})`);
  }
}

if (!values.keep) rmSync(dir, { recursive: true, force: true });
else log(`databases kept in ${dir}`);
