// A large settlement run computes on a worker thread while its own thread writes. It must store
// exactly what the inline run stores (settlements, shares, parties and books), bring the
// engine's errors back by name, and leave nothing written when one occurs.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ITEM_SUM_STRIDE, MOVEMENT_HEAD, SUM_STRIDE, type OrderBooks, type ReadyItems, type ReadyMovements } from '../../core/api/books-compute.js';
import { KeyTable } from '../../core/api/movement-keys.js';
import { chunkComputer, type Chunk, type ChunkResult, type ComputeSetup } from '../../core/api/settle-compute.js';
import { prewarmSettleWorker, useSettleWorkerEntry, workerComputer } from '../../core/api/settle-pool.js';
import { settleStoredOrders } from '../../core/api/settlement-runner.js';
import { generateScenario } from '../../core/demo/generate.js';
import { validateScenario, ValidationError, type Scenario } from '../../core/domain/scenario.js';
import { eventsByOrder } from '../../core/domain/settle.js';
import { loadBooksSetupData } from '../../core/store/books-repo.js';
import { importScenario, loadNetwork, loadRules } from '../../core/store/scenario-repo.js';
import { loadLocationEntities } from '../../core/store/settlement-repo.js';
import { memoryDb, repoRoot } from '../helpers/db.js';

const NOW = new Date('2026-12-01T00:00:00Z');
/** 700 orders in batches of 300, in chunks of at most 250 within a batch (settlement-runner.ts): 250, 50, 250, 50, 100. */
const CHUNKS = 5;
/** The chunks of a run that settled `db`: its orders', then its invoices' books, 1,000 invoices a chunk (books-finish.ts). */
const chunksOf = (db: ReturnType<typeof memoryDb>) => CHUNKS + Math.ceil((db.prepare('SELECT count(*) FROM invoices').pluck().get() as number) / 1000);
const TABLES = ['settlements', 'settlement_revisions', 'settlement_lines', 'entity_shares', 'order_parties', 'journal_entries', 'journal_lines', 'invoices', 'invoice_lines',
  'invoice_items', 'invoice_totals', 'invoice_credit_refs'];

/**
 * A chunk's results with their movements' keys as text: each thread numbers them in its own table
 * (movement-keys.ts), and two tables number the same keys alike only when they meet them in the same order.
 */
function withKeys(result: ChunkResult, keys: KeyTable): unknown {
  const text = (v: ReadyMovements) => {
    const out: unknown[] = [...v];
    for (let i = 0; i < out.length; i += MOVEMENT_HEAD + SUM_STRIDE * (out[i + 4] as number)) {
      out[i] = keys.key(out[i] as number);
      for (let j = i + MOVEMENT_HEAD; j < i + MOVEMENT_HEAD + SUM_STRIDE * (out[i + 4] as number); j += SUM_STRIDE) out[j] = keys.key(out[j] as number);
    }
    return out;
  };
  const items = (v: ReadyItems | null) => v && {
    json: v.json,
    sums: v.sums.map((x, i) => (i % ITEM_SUM_STRIDE === 0 ? keys.key(x) : x)),
    refs: v.refs.map((x, i) => (i % 2 === 0 ? keys.key(x as number) : x)),
  };
  const books = (b: OrderBooks) => ({ ...b, movements: text(b.movements), items: items(b.items) });
  return result.map((r) => ('rows' in r ? { ...r, books: r.books && books(r.books) } : books(r)));
}

/** The test's scenario; `adjust` changes the generated document before it is validated. */
function scenario(adjust?: (raw: ReturnType<typeof generateScenario>) => void): Scenario {
  const raw = generateScenario({ seed: 11, franchisees: 12, orders: 700, from: '2026-06-01', to: '2026-10-15', eventsUntil: '2026-11-20T00:00:00Z' });
  adjust?.(raw);
  const checked = validateScenario(raw);
  if (!checked.ok) throw new Error(JSON.stringify(checked.issues.slice(0, 3)));
  return checked.scenario;
}

/** Half the entities post by day, the others in detail. */
const halfDaily = (raw: ReturnType<typeof generateScenario>) => raw.network.entities.forEach((e, i) => { (e as { posting?: string }).posting = i % 2 === 0 ? 'daily' : 'detail'; });

function stored(s: Scenario) {
  const db = memoryDb();
  db.transaction(() => importScenario(db, s, NOW.toISOString()))();
  return db;
}

const setupOf = (db: ReturnType<typeof memoryDb>): ComputeSetup =>
  ({ network: loadNetwork(db), rules: loadRules(db), locations: loadLocationEntities(db), nowMs: NOW.getTime(), books: loadBooksSetupData(db) });

const dump = (db: ReturnType<typeof memoryDb>) => Object.fromEntries(TABLES.map((t) => [t, db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2, 3`).raw().all()]));

describe('settling on a worker thread', () => {
  const s = scenario();

  const bundled = join(repoRoot, 'out/main/settle-worker.js');
  const notBuilt = existsSync(bundled) ? null : 'out/main is not built (npm run build)';
  if (notBuilt) console.warn(`the desktop bundle's settlement worker is not tried: ${notBuilt}`);
  it.skipIf(notBuilt !== null)('runs from the desktop bundle\'s own entry (out/main/settle-worker.js), started with its run or ahead of it, with the same result', () => {
    const inline = stored(s);
    settleStoredOrders(inline, { now: NOW, reason: 'test', batchSize: 300, parallel: false });
    useSettleWorkerEntry(bundled);
    try {
      for (const ahead of [false, true]) {
        const parallel = stored(s);
        if (ahead) expect(prewarmSettleWorker()).toBe(true);
        const stats = { dayTotalsMs: 0 };
        const b = settleStoredOrders(parallel, { now: NOW, reason: 'test', batchSize: 300, parallel: true, shareWork: false, stats });
        expect(b.parallel).toBe(true);
        expect(stats, `ahead ${ahead}`).toMatchObject({ workerChunks: chunksOf(parallel), inlineChunks: 0 });
        expect(dump(parallel)).toEqual(dump(inline));
      }
    } finally {
      useSettleWorkerEntry(null);
    }
  });

  it('takes the worker loaded ahead of the run (prewarmSettleWorker), once, and stores the same', () => {
    const inline = stored(s);
    settleStoredOrders(inline, { now: NOW, reason: 'test', batchSize: 300, parallel: false });
    expect(prewarmSettleWorker()).toBe(true);
    expect(prewarmSettleWorker()).toBe(false); // one is waiting already
    const parallel = stored(s);
    const stats = { dayTotalsMs: 0 };
    settleStoredOrders(parallel, { now: NOW, reason: 'test', batchSize: 300, parallel: true, shareWork: false, stats });
    expect(stats).toMatchObject({ workerChunks: chunksOf(parallel), inlineChunks: 0 });
    expect(dump(parallel)).toEqual(dump(inline));
    // The run took it: the next call loads another (taken and ended here, so that it is not left to the next tests).
    expect(prewarmSettleWorker()).toBe(true);
    workerComputer(setupOf(parallel))!.close();
    expect(prewarmSettleWorker()).toBe(true);
    workerComputer(setupOf(parallel))!.close();
  });

  it('stores exactly what settling on the caller\'s thread stores, books included', () => {
    const inline = stored(s);
    const parallel = stored(s);
    const a = settleStoredOrders(inline, { now: NOW, reason: 'test', batchSize: 300, parallel: false });
    const stats = { dayTotalsMs: 0 };
    const b = settleStoredOrders(parallel, { now: NOW, reason: 'test', batchSize: 300, parallel: true, shareWork: false, stats });
    expect(stats).toMatchObject({ workerChunks: chunksOf(parallel), inlineChunks: 0 });
    expect(chunksOf(parallel)).toBeGreaterThan(CHUNKS); // the invoices' books too
    expect(a.parallel).toBe(false);
    expect(b.parallel).toBe(true);
    expect({ ...b, parallel: false }).toEqual(a);
    expect(a.lines).toBeGreaterThan(1500);
    const want = dump(inline);
    expect(want.journal_entries.length).toBeGreaterThan(0);
    expect(dump(parallel)).toEqual(want);
    // Settling again on the worker finds nothing new.
    expect(settleStoredOrders(parallel, { now: NOW, reason: 'again', parallel: true })).toMatchObject({ revised: 0, unchanged: a.settled, parallel: true });
  });

  it('places legs of months already invoiced in the current month, on the worker as on the caller\'s thread', () => {
    // Every other order settled first: the run's end invoices every month up to November.
    const ids = s.orders.map((o) => o.id).sort();
    const early = ids.filter((_, i) => i % 2 === 0);
    const late = ids.filter((_, i) => i % 2 === 1);
    const inline = stored(s);
    const parallel = stored(s);
    for (const db of [inline, parallel]) settleStoredOrders(db, { orderIds: early, now: NOW, reason: 'early', parallel: false });
    expect(inline.prepare("SELECT count(*) FROM invoice_totals WHERE month = '2026-12'").pluck().get()).toBe(0);
    // The other orders, settled for the first time: their legs cannot go on those months' invoices.
    settleStoredOrders(inline, { orderIds: late, now: NOW, reason: 'late', parallel: false });
    settleStoredOrders(parallel, { orderIds: late, now: NOW, reason: 'late', parallel: true, shareWork: false });
    expect(inline.prepare("SELECT count(*) FROM invoice_totals WHERE month = '2026-12' AND issued = 0").pluck().get()).toBeGreaterThan(0);
    expect(dump(parallel)).toEqual(dump(inline));
  });

  it('posts in daily books and records a posting failure computed on the worker as the inline run does', () => {
    // Half the entities post by day; one franchisee keeps its books in CHF, for which there is no rate.
    let chf = '';
    const daily = scenario((raw) => {
      halfDaily(raw);
      const e = raw.network.entities.find((x) => x.id !== raw.network.platform_entity && x.kind === 'franchisee')!;
      (e as { currency?: string }).currency = 'CHF';
      chf = e.id;
    });
    const inline = stored(daily);
    const parallel = stored(daily);
    const a = settleStoredOrders(inline, { now: NOW, reason: 'test', batchSize: 300, parallel: false });
    const stats = { dayTotalsMs: 0 };
    const b = settleStoredOrders(parallel, { now: NOW, reason: 'test', batchSize: 300, parallel: true, shareWork: false, stats });
    expect(stats).toMatchObject({ workerChunks: chunksOf(parallel), inlineChunks: 0 });
    expect(b.parallel).toBe(true);
    expect({ ...b, parallel: false }).toEqual(a);
    const tables = [...TABLES, 'subledger', 'daily_batches', 'daily_batch_lines', 'invoice_items', 'posting_issues'];
    const all = (db: ReturnType<typeof memoryDb>) => Object.fromEntries(tables.map((t) => [t, db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2, 3`).raw().all()]));
    const want = all(inline);
    expect(want.subledger.length).toBeGreaterThan(0);
    expect(dump(parallel)).toEqual(dump(inline));
    expect(all(parallel)).toEqual(want);
    // The failure is on record, by event, for the entity whose currency has no rate; nothing of those events is posted.
    const issues = parallel.prepare('SELECT event, code, entities_json, message FROM posting_issues').all() as { event: string; code: string; entities_json: string; message: string }[];
    expect(issues.length).toBeGreaterThan(0);
    for (const i of issues) {
      expect(i.code).toBe('fx_rate_missing');
      expect(JSON.parse(i.entities_json)).toContain(chf);
      expect(i.message).toMatch(/no fx_rates entry converts EUR to CHF/);
    }
    const posted = parallel.prepare('SELECT count(*) FROM journal_entries WHERE source_key IN (SELECT event FROM posting_issues)').pluck().get();
    expect(posted).toBe(0);
  });

  it('brings back the engine\'s error by name, and writes nothing of the run', () => {
    const db = stored(s);
    const byOrder = eventsByOrder(s.events);
    const preloaded = new Map(s.orders.map((order) => [order.id, { order, events: byOrder.get(order.id) ?? [] }]));
    // One order near the end claims a payment that does not add up.
    const bad = s.orders[650]!;
    preloaded.set(bad.id, { order: { ...bad, payments: bad.payments.map((p, i) => (i === 0 ? { ...p, amount: p.amount + 1 } : p)) }, events: byOrder.get(bad.id) ?? [] });
    let thrown: unknown;
    try {
      db.transaction(() => settleStoredOrders(db, { now: NOW, reason: 'test', batchSize: 200, preloaded, parallel: true, shareWork: false }))();
    } catch (e) { thrown = e; }
    expect(thrown).toBeInstanceOf(ValidationError);
    expect((thrown as ValidationError).issues).toEqual([expect.objectContaining({ path: 'payments', code: 'payments_mismatch' })]);
    expect((thrown as Error).message).toContain(bad.id);
    expect(db.prepare('SELECT count(*) FROM settlements').pluck().get()).toBe(0);
  });

  it('inside a caller\'s transaction, holding the sums its chunks add across batches, stores what a run of batch transactions stores', () => {
    const daily = scenario(halfDaily);
    const tables = [...TABLES, 'subledger', 'daily_batches', 'daily_batch_lines', 'invoice_items', 'invoice_totals', 'invoice_credit_refs'];
    // Every row, in a total order: written in another order, rows that tie on a few columns come
    // back in another order on PostgreSQL.
    const all = (db: ReturnType<typeof memoryDb>) => Object.fromEntries(tables.map((t) => [t, (db.prepare(`SELECT * FROM ${t}`).raw().all() as unknown[][]).map((r) => JSON.stringify(r)).sort()]));
    const batchByBatch = stored(daily);
    settleStoredOrders(batchByBatch, { now: NOW, reason: 'test', batchSize: 100, parallel: false });
    const want = all(batchByBatch);
    expect(want.daily_batch_lines.length).toBeGreaterThan(0);
    // Every month is over at NOW: its sums were issued, and are the invoices' lines (migration 0017).
    expect(want.invoice_lines.length).toBeGreaterThan(0);
    expect(want.invoice_totals).toEqual([]);
    // Sums written once, at the run's end; then as soon as a batch leaves any held; then once
    // during the run and at its end (sums held at the end added to rows written during the run).
    for (const heldSums of [undefined, 1, 3000]) {
      const db = stored(daily);
      db.transaction(() => settleStoredOrders(db, { now: NOW, reason: 'test', batchSize: 100, parallel: false, heldSums }))();
      expect(all(db)).toEqual(want);
    }
  });

  it('inside a caller\'s transaction that goes on after the run fails, leaves nothing of its batches', () => {
    const db = stored(s);
    const byOrder = eventsByOrder(s.events);
    const preloaded = new Map(s.orders.map((order) => [order.id, { order, events: byOrder.get(order.id) ?? [] }]));
    const bad = s.orders[650]!; // in the fourth batch of 200: three batches are written before it fails
    preloaded.set(bad.id, { order: { ...bad, payments: bad.payments.map((p, i) => (i === 0 ? { ...p, amount: p.amount + 1 } : p)) }, events: byOrder.get(bad.id) ?? [] });
    const before = dump(db);
    db.exec('CREATE TEMP TABLE caller_notes (note TEXT)');
    db.transaction(() => {
      expect(() => settleStoredOrders(db, { now: NOW, reason: 'test', batchSize: 200, preloaded, parallel: false })).toThrow(ValidationError);
      db.prepare("INSERT INTO caller_notes VALUES ('went on')").run();
    })();
    expect(dump(db)).toEqual(before);
    expect(db.prepare('SELECT note FROM caller_notes').pluck().all()).toEqual(['went on']); // the caller's own write stands
  });

  it('shares the chunks between both threads: each computed once, by either, and taken in order', () => {
    // Half the entities in daily books: movements whose keys each thread numbers in its own table.
    const daily = scenario(halfDaily);
    const db = stored(daily);
    const setup = setupOf(db);
    const byOrder = eventsByOrder(daily.events);
    const chunks: Chunk[] = [];
    for (let i = 0; i < daily.orders.length; i += 50) {
      const inputs = daily.orders.slice(i, i + 50).map((order) => ({ order, events: byOrder.get(order.id) ?? [] }));
      chunks.push({ inputs, first: new Uint8Array(inputs.length).fill(1) });
    }
    const wantKeys = new KeyTable();
    const compute = chunkComputer(setup, wantKeys);
    const want = chunks.map((c) => withKeys(compute(c), wantKeys));
    const added = wantKeys.added();
    expect(added.some((k) => !k.startsWith('\u0001'))).toBe(true); // daily movements were computed: their keys are mapped below
    expect(added.some((k) => k.startsWith('\u0001'))).toBe(true); // and legs' month sums (books-compute.ts monthSumKey)
    const pool = workerComputer(setup)!;
    try {
      // Taken at once: the worker is still loading, so this thread computes the chunk itself.
      pool.submit(chunks[0]!);
      expect(withKeys(pool.take(), pool.keys)).toEqual(want[0]);
      expect(pool.chunks).toEqual({ worker: 0, inline: 1 });
      // Handed over and left to the worker until it has claimed them (it skips the one taken here).
      for (const c of chunks.slice(1, 8)) pool.submit(c);
      const pause = new Int32Array(new SharedArrayBuffer(4));
      for (const until = Date.now() + 60_000; pool.claimed() < 8 && Date.now() < until;) Atomics.wait(pause, 0, 0, 20);
      expect(pool.claimed()).toBe(8);
      // The rest handed over three ahead of the one taken, as the runner does: either thread may compute each.
      const got = [want[0]];
      let next = 8;
      for (let t = 1; t < chunks.length; t++) {
        while (next < chunks.length && next - t < 3) pool.submit(chunks[next++]!);
        got.push(withKeys(pool.take(), pool.keys));
      }
      expect(got).toEqual(want);
      expect(pool.chunks.worker).toBeGreaterThanOrEqual(7);
      expect(pool.chunks.worker + pool.chunks.inline).toBe(chunks.length);
    } finally {
      pool.close();
    }
  });

  it('computes every chunk on its own thread when the worker cannot start', () => {
    // A worker entry that reports a failure to load, as settle-worker.mjs does when its modules cannot be imported.
    const entry = join(mkdtempSync(join(tmpdir(), 'ventil-worker-')), 'broken-worker.mjs');
    writeFileSync(entry, `import { parentPort, workerData } from 'node:worker_threads';
const report = ({ port, signal }) => {
  port.postMessage({ error: { name: 'WorkerStartError', message: 'cannot load', issues: null } });
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
};
if (workerData) report(workerData); else parentPort.once('message', ({ start }) => report(start));
`);
    const inline = stored(s);
    settleStoredOrders(inline, { now: NOW, reason: 'test', batchSize: 300, parallel: false });
    // A worker loaded ahead for another entry (the sources') is set aside, not used.
    prewarmSettleWorker();
    useSettleWorkerEntry(entry);
    try {
      for (const [shareWork, ahead] of [[false, false], [true, false], [false, true]]) {
        const db = stored(s);
        if (ahead) expect(prewarmSettleWorker()).toBe(true);
        const stats = { dayTotalsMs: 0 };
        expect(settleStoredOrders(db, { now: NOW, reason: 'test', batchSize: 300, parallel: true, shareWork, stats }).settled).toBe(700);
        expect(stats, `shareWork ${shareWork}, loaded ahead ${ahead}`).toMatchObject({ workerChunks: 0, inlineChunks: chunksOf(db) });
        expect(dump(db)).toEqual(dump(inline));
      }
    } finally {
      useSettleWorkerEntry(null);
    }
  });
});
