// The settlement worker's computation alone, without the database: every chunk of orders of
// the settlement benchmark's scenario computed as the worker computes it (settle-compute.ts,
// first settlements with their daily books), then the books of the run's periodic invoices, then
// the orders' answers serialised as the worker posts them. With --against DIR, the same work of
// another source tree (a worktree of another commit, its node_modules linked) in the same
// process, round by round in turn: a change to the computation measured apart from SQLite and
// from the machine's slow minutes, which move `npm run bench` by more than such a change
// (docs/performance.md, fourth session of 2026-12-04).
//   npm run bench:compute -- [--orders N] [--rounds N] [--against DIR]
import { resolve } from 'node:path';
import { serialize } from 'node:v8';
import { parseArgs } from 'node:util';
import { validateScenario } from '../core/domain/scenario.js';
import { eventsByOrder } from '../core/domain/settle.js';
import { WRITE_CHUNK, settleStoredOrders } from '../core/api/settlement-runner.js';
import { INVOICE_CHUNK } from '../core/api/books-finish.js';
import type { InvoiceToPost } from '../core/api/books-compute.js';
import { loadBooksSetupData } from '../core/store/books-repo.js';
import { openSqliteDatabase } from '../core/store/database.js';
import { importScenario, loadNetwork, loadRules } from '../core/store/scenario-repo.js';
import { loadLocationEntities } from '../core/store/settlement-repo.js';
import { BENCH_NOW, networkScenario } from './network-scenario.js';

const { values } = parseArgs({ options: { orders: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '6' }, against: { type: 'string' } } });
const orders = Number(values.orders);
const rounds = Number(values.rounds);
if (!Number.isInteger(orders) || orders < 1) throw new Error(`--orders ${values.orders} is not a positive integer`);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds ${values.rounds} is not a positive integer`);

const now = BENCH_NOW;
const raw = networkScenario(orders);
for (const e of raw.network.entities) (e as { posting?: string }).posting = 'daily';
const validated = validateScenario(raw);
if (!validated.ok) throw new Error('the generated scenario is invalid');
const scenario = validated.scenario;

// The setup as the runner gives it to its worker, and the invoices the run issues (settled once, here).
const { db } = openSqliteDatabase({ file: ':memory:', now: () => now });
db.transaction(() => importScenario(db, scenario, now.toISOString()))();
const setup = { network: loadNetwork(db), rules: loadRules(db), locations: loadLocationEntities(db), nowMs: now.getTime(), books: loadBooksSetupData(db), issued: [] };
settleStoredOrders(db, { now, reason: 'bench', parallel: false });
const invoices = db.prepare('SELECT id, number, kind, supplier, customer, currency, net, vat, issue_date, period FROM invoices ORDER BY id').all() as InvoiceToPost[];
db.close();

const byOrder = eventsByOrder(scenario.events);
const inputs = [...scenario.orders].sort((a, b) => (a.id < b.id ? -1 : 1)).map((order) => ({ order, events: byOrder.get(order.id) ?? [] }));
const chunks: { inputs: typeof inputs; first: Uint8Array }[] = [];
for (let i = 0; i < inputs.length; i += WRITE_CHUNK) {
  const c = inputs.slice(i, i + WRITE_CHUNK);
  chunks.push({ inputs: c, first: new Uint8Array(c.length).fill(1) });
}

interface Tree { name: string; chunkComputer: (setup: unknown, keys: unknown) => (chunk: unknown) => unknown; KeyTable: new () => unknown }
async function tree(root: string, name: string): Promise<Tree> {
  const compute = await import(`${root}/core/api/settle-compute.ts`) as { chunkComputer: Tree['chunkComputer'] };
  const keys = await import(`${root}/core/api/movement-keys.ts`) as { KeyTable: Tree['KeyTable'] };
  return { name, chunkComputer: compute.chunkComputer, KeyTable: keys.KeyTable };
}

const ms = (t0: number) => Math.round(performance.now() - t0);
/** One round: the orders' chunks, the invoices' books (in chunks, as the run's end hands them over), the orders' answers serialised. */
function round(t: Tree): [orders: number, invoices: number, serialise: number] {
  const compute = t.chunkComputer(setup, new t.KeyTable());
  let t0 = performance.now();
  const answers = chunks.map((c) => compute(c));
  const o = ms(t0);
  t0 = performance.now();
  for (let i = 0; i < invoices.length; i += INVOICE_CHUNK) compute({ invoices: invoices.slice(i, i + INVOICE_CHUNK) });
  const inv = ms(t0);
  t0 = performance.now();
  for (const a of answers) serialize(a);
  return [o, inv, ms(t0)];
}

const trees = [await tree(resolve(import.meta.dirname, '..'), 'this tree')];
if (values.against) trees.push(await tree(resolve(values.against), values.against));
console.log(`${orders.toLocaleString('en-US')} orders in ${chunks.length} chunks, ${invoices.length.toLocaleString('en-US')} invoices; ${rounds} rounds after one to warm up`);
for (const t of trees) round(t);
const times = trees.map(() => [[], [], []] as number[][]);
for (let r = 0; r < rounds; r++) trees.forEach((t, i) => round(t).forEach((x, k) => times[i]![k]!.push(x)));
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[(s.length - 1) >> 1]!; };
trees.forEach((t, i) => {
  const [o, inv, ser] = times[i]!.map(median);
  console.log(`${t.name}: orders' chunks ${o} ms, invoices' books ${inv} ms, serialising the orders' answers ${ser} ms (medians; rounds ${times[i]!.map((xs) => xs.join(' ')).join(' / ')})`);
});
