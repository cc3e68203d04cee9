// Head office's dashboard on the platform entity (a party of every order) and a store's, on a
// network of 500 entities and N orders (default 100,000), read through the day totals kept with
// the settlement; and what keeping those totals costs the settlement's writing thread. Usage:
//   npx tsx bench/dashboard.bench.ts [--orders N] [--runs R]
// Prints the median of R calls per view, and the day totals' share of the settle-and-store time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createContext } from '../core/api/context.js';
import { callApi } from '../core/api/index.js';
import { settleStoredOrders } from '../core/api/settlement-runner.js';
import { validateScenario } from '../core/domain/scenario.js';
import { eventsByOrder } from '../core/domain/settle.js';
import { openDatabase } from '../core/store/database.js';
import { importScenario } from '../core/store/scenario-repo.js';
import { BENCH_NOW, networkScenario } from './network-scenario.js';

const { values } = parseArgs({ options: { orders: { type: 'string', default: '100000' }, runs: { type: 'string', default: '9' } } });
const orders = Number(values.orders);
const runs = Number(values.runs);
const now = BENCH_NOW;
const dir = mkdtempSync(join(tmpdir(), 'ventil-dash-'));
const log = (m: string) => process.stdout.write(`${m}\n`);

const raw = networkScenario(orders);
const checked = validateScenario(raw);
if (!checked.ok) throw new Error('invalid scenario');
const { db } = openDatabase({ file: join(dir, 'dash.db'), now: () => now });
db.transaction(() => importScenario(db, checked.scenario, now.toISOString()))();
const byOrder = eventsByOrder(checked.scenario.events);
const preloaded = new Map(checked.scenario.orders.map((o) => [o.id, { order: o, events: byOrder.get(o.id) ?? [] }]));
const stats = { dayTotalsMs: 0 };
let t = performance.now();
const run = settleStoredOrders(db, { now, reason: 'bench', batchSize: 5000, preloaded, postBooks: false, stats });
const settleMs = performance.now() - t;
log(`settled and stored ${run.lines.toLocaleString('en-US')} lines of ${orders.toLocaleString('en-US')} orders in ${(settleMs / 1000).toFixed(1)} s; ` +
  `day totals ${(stats.dayTotalsMs / 1000).toFixed(2)} s of it (${((100 * stats.dayTotalsMs) / settleMs).toFixed(1)} %), ` +
  `${(db.prepare('SELECT count(*) FROM entity_day_totals').pluck().get() as number).toLocaleString('en-US')} day rows, ` +
  `${(db.prepare('SELECT count(*) FROM entity_day_legs').pluck().get() as number).toLocaleString('en-US')} leg rows`);

const ctx = createContext(db, { now: () => now });
const store = db.prepare("SELECT entity FROM order_parties WHERE entity LIKE 'F%' GROUP BY entity ORDER BY count(*) DESC LIMIT 1").pluck().get() as string;
function median(name: string, input: Record<string, unknown>) {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    t = performance.now();
    const r = callApi(ctx, 'dashboard.entity', input);
    times.push(performance.now() - t);
    if (!r.ok) throw new Error(JSON.stringify(r.error));
  }
  times.sort((a, b) => a - b);
  log(`${name.padEnd(36)} median ${times[Math.floor(runs / 2)]!.toFixed(1)} ms (min ${times[0]!.toFixed(1)}, max ${times.at(-1)!.toFixed(1)})`);
}
median('platform HQ, one month (2026-06)', { entity: 'HQ', from: '2026-06-01', to: '2026-07-01' });
median('platform HQ, the last month (2026-11)', { entity: 'HQ', from: '2026-11-01', to: '2026-12-01' });
median('platform HQ, all time', { entity: 'HQ' });
median(`store ${store}, all time`, { entity: store });
db.close();
rmSync(dir, { recursive: true, force: true });
