// Settlement throughput: generates a network of 500 entities and N orders (default 100,000,
// about 250,000 lines), imports them, then settles and stores them; in the same run it inserts
// the same rows into the same tables of a second database with plain prepared statements and
// no computation, and prints the ratio of the two rates. Usage:
//   npm run bench -- [--orders N] [--keep] [--skip-books] [--settle-only]
// --settle-only stops after the settlement (no books, no raw insert, no ratio): for profiling.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateScenario } from '../core/demo/generate.js';
import { validateScenario } from '../core/domain/scenario.js';
import { eventsByOrder } from '../core/domain/settle.js';
import { settleStoredOrders } from '../core/api/settlement-runner.js';
import { postPendingEntries } from '../core/api/books-runner.js';
import { importScenario } from '../core/store/scenario-repo.js';
import { openDatabase } from '../core/store/database.js';
import type { Sqlite } from '../core/store/sqlite.js';

const { values } = parseArgs({ options: { orders: { type: 'string', default: '100000' }, keep: { type: 'boolean' }, 'skip-books': { type: 'boolean' }, 'settle-only': { type: 'boolean' } } });
const orderCount = Number(values.orders);
if (!Number.isInteger(orderCount) || orderCount < 1) throw new Error(`--orders ${values.orders} is not a positive integer`);

const dir = mkdtempSync(join(tmpdir(), 'ventil-bench-'));
const now = new Date('2026-12-01T00:00:00Z');
const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;
const rate = (n: number, s: number) => Math.round(n / s).toLocaleString('en-US');

function log(msg: string) { process.stdout.write(`${msg}\n`); }

let t = process.hrtime.bigint();
const raw = generateScenario({ seed: 7, franchisees: 498, orders: orderCount, from: '2026-01-05', to: '2026-11-10', eventsUntil: '2026-11-30T00:00:00Z' });
const lines = raw.orders.reduce((n, o) => n + o.lines.length, 0);
log(`generated ${raw.network.entities.length} entities, ${orderCount.toLocaleString('en-US')} orders, ${lines.toLocaleString('en-US')} lines, ${raw.events.length.toLocaleString('en-US')} events in ${seconds(t).toFixed(1)} s`);

t = process.hrtime.bigint();
const validated = validateScenario(raw);
if (!validated.ok) throw new Error(`generated scenario is invalid: ${JSON.stringify(validated.issues.slice(0, 5))}`);
const checked = validated;
log(`validated in ${seconds(t).toFixed(1)} s`);

function freshDb(name: string): Sqlite {
  const { db } = openDatabase({ file: join(dir, name), now: () => now });
  t = process.hrtime.bigint();
  db.transaction(() => {
    const r = importScenario(db, checked.scenario, now.toISOString());
    if (r.conflicts.length) throw new Error('conflicts');
  })();
  return db;
}

const db = freshDb('settle.db');
const importSeconds = seconds(t);
log(`imported in ${importSeconds.toFixed(1)} s (${rate(lines, importSeconds)} lines/s)`);

// The import path: the new orders are settled from memory, in the import's transaction.
const scenario = checked.scenario;
const byOrder = eventsByOrder(scenario.events);
const preloaded = new Map(scenario.orders.map((order) => [order.id, { order, events: byOrder.get(order.id) ?? [] }]));
t = process.hrtime.bigint();
const run = settleStoredOrders(db, { now, reason: 'bench', batchSize: 5000, preloaded, postBooks: false });
const settleSeconds = seconds(t);
const settleRate = run.lines / settleSeconds;
log(`settled and stored ${run.lines.toLocaleString('en-US')} lines in ${settleSeconds.toFixed(1)} s (${rate(run.lines, settleSeconds)} lines/s, engine ${run.parallel ? 'on a worker thread' : 'inline'})`);
if (values['settle-only']) {
  db.close();
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

// The books, measured apart: journal entries and invoices of every entity, as the import posts them.
if (!values['skip-books']) {
  t = process.hrtime.bigint();
  const books = postPendingEntries(db, { now });
  const booksSeconds = seconds(t);
  log(`posted the books (${books.entries.toLocaleString('en-US')} entries, ${books.invoices.toLocaleString('en-US')} invoices) in ${booksSeconds.toFixed(1)} s (${rate(run.lines, booksSeconds)} lines/s)`);
}

// The same rows, read back, inserted into the same tables of a second database. One table at a
// time is held in memory (a million lines make about eight million rows); only inserts are timed,
// in transactions of the same size as the settlement's batches.
const TABLES = ['settlements', 'settlement_revisions', 'settlement_lines', 'entity_shares', 'order_parties'] as const;
db.close();
const rawDb = freshDb('raw.db');
const source = openDatabase({ file: join(dir, 'settle.db'), now: () => now, readonly: true }).db;
const batches = Math.max(1, Math.ceil(run.settled / 5000));
let rawSeconds = 0;
let rowCount = 0;
for (const tbl of TABLES) {
  const columns = source.prepare(`SELECT * FROM ${tbl} LIMIT 1`).columns().map((c) => c.name);
  let rows: unknown[][] | null = source.prepare(`SELECT * FROM ${tbl}`).raw().all() as unknown[][];
  const stmt = rawDb.prepare(`INSERT INTO ${tbl} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
  const size = Math.ceil(rows.length / batches);
  t = process.hrtime.bigint();
  for (let b = 0; b < batches; b++) {
    rawDb.transaction(() => { for (let i = b * size; i < Math.min(rows!.length, (b + 1) * size); i++) stmt.run(rows![i]); })();
  }
  const tableSeconds = seconds(t);
  log(`  raw ${tbl}: ${rows.length.toLocaleString('en-US')} rows in ${tableSeconds.toFixed(1)} s`);
  rawSeconds += tableSeconds;
  rowCount += rows.length;
  rows = null;
}
const rawRate = lines / rawSeconds;
source.close();
rawDb.close();
log(`raw insert of the same ${rowCount.toLocaleString('en-US')} rows in ${rawSeconds.toFixed(1)} s (${rate(lines, rawSeconds)} lines/s)`);

if (!values.keep) rmSync(dir, { recursive: true, force: true });
else log(`databases kept in ${dir}`);
log(`ratio ${(settleRate / rawRate).toFixed(2)} (settle ${Math.round(settleRate)} lines/s, raw insert ${Math.round(rawRate)} lines/s)`);
