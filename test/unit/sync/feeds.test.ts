// Inbound feeds: the watched folder (scenario JSON and orders CSV, done/ and rejected/ with the
// reasons), and the HTTP pull with a stored cursor, against a local fake feed server.
import { createServer, type Server } from 'node:http';
import { mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { callApi, handlers } from '../../../core/api/index.js';
import { parseOrdersCsv, processInbox, pullFeed, readPullState } from '../../../core/sync/feeds.js';
import { FROZEN_NOW, memoryDb, readExample, tempDir, testContext } from '../../helpers/db.js';

const cleanups: (() => void)[] = [];
afterEach(() => { while (cleanups.length) cleanups.pop()!(); });

function inbox() {
  const t = tempDir('ventil-inbox-');
  cleanups.push(t.cleanup);
  const dir = join(t.dir, 'inbox');
  mkdirSync(dir);
  return dir;
}

const old = new Date('2020-01-01T00:00:00Z');
function drop(dir: string, name: string, content: string | object) {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  utimesSync(path, old, old); // finished long ago: not "still being written"
}

const count = (ctx: ReturnType<typeof testContext>, table: string) => ctx.db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;

const CSV_HEADER = 'record,order,channel,origin,created_at,currency,line,sku,category,kind,quantity,unit_price,vat_rate,delivery_mode,candidates,payment,method,amount,psp_fee,captured_at,event_id,type,at,location';
const csvOrder = (id: string, amount = 2490) => [
  CSV_HEADER,
  `order,${id},store,ST-LYON,2026-03-06T10:00:00Z,EUR,,,,,,,,,,,,,,,,,,`,
  `line,${id},,,,,1,CAP-01,accessories,goods,1,2490,0.20,in_store,ST-LYON,,,,,,,,,`,
  `payment,${id},,,,,,,,,,,,,,PAY-${id},card,${amount},37,2026-03-06T10:00:00Z,,,,`,
  `event,${id},,,,,1,,,,,,,,,,,,,,ev-${id}-1,fulfilment_accepted,2026-03-06T10:00:00Z,ST-LYON`,
].join('\n');

describe('watched folder', () => {
  it('imports scenario files through scenario.import: accepted to done/, refused to rejected/ with the reasons', () => {
    const ctx = testContext();
    const dir = inbox();
    const scenario = readExample('network-basic.json');
    drop(dir, '001-network.json', scenario);
    drop(dir, '002-again.json', scenario);
    const bad = structuredClone(scenario);
    bad.orders[0].lines[0].vat_rate = 'twenty';
    bad.orders[0].id = 'W-BAD';
    drop(dir, '003-bad.json', bad);
    drop(dir, '004-broken.json', '{ not json');
    drop(dir, '.005-hidden.json', scenario);
    drop(dir, '006-partial.json.part', scenario);
    writeFileSync(join(dir, '007-fresh.json'), JSON.stringify(scenario)); // just written: left for the next pass

    const results = processInbox(ctx, dir, { now: () => new Date() });
    expect(results.map((r) => [r.file, r.status, r.changed ?? r.error?.code])).toEqual([
      ['001-network.json', 'accepted', true],
      ['002-again.json', 'accepted', false],
      ['003-bad.json', 'rejected', 'invalid_scenario'],
      ['004-broken.json', 'rejected', 'invalid_json'],
      ['007-fresh.json', 'waiting', undefined],
    ]);
    expect(readdirSync(join(dir, 'done')).sort()).toEqual(['001-network.json', '002-again.json']);
    expect(readdirSync(join(dir, 'rejected')).sort()).toEqual(['003-bad.json', '003-bad.json.errors.json', '004-broken.json', '004-broken.json.errors.json']);
    const report = JSON.parse(readFileSync(join(dir, 'rejected', '003-bad.json.errors.json'), 'utf8'));
    expect(report.error.issues).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'orders[0].lines[0].vat_rate' })]));
    expect(readdirSync(dir).sort()).toEqual(['.005-hidden.json', '006-partial.json.part', '007-fresh.json', 'done', 'rejected']);
    expect(count(ctx, 'orders')).toBe(5);
    expect(count(ctx, 'imports')).toBe(1);
  });

  it('takes orders without the network (the stored one is used) and orders CSV files', () => {
    const ctx = testContext();
    expect(callApi(ctx, 'scenario.import', { scenario: readExample('network-basic.json') }).ok).toBe(true);
    const dir = inbox();
    const order = structuredClone(readExample('network-basic.json').orders.find((o: { id: string }) => o.id === 'S-3001'));
    order.id = 'S-JSON-1';
    order.payments[0].id = 'PAY-JSON-1';
    drop(dir, 'a-orders.json', { format: 'ventil.scenario/1', orders: [order] });
    drop(dir, 'b-orders.csv', csvOrder('S-CSV-1'));
    drop(dir, 'c-bad-number.csv', csvOrder('S-CSV-2').replace('2490,0.20', '24.90,0.20'));
    drop(dir, 'd-bad-total.csv', csvOrder('S-CSV-3', 2000));
    const results = processInbox(ctx, dir, { now: () => FROZEN_NOW });
    expect(results.map((r) => [r.file, r.status])).toEqual([
      ['a-orders.json', 'accepted'], ['b-orders.csv', 'accepted'], ['c-bad-number.csv', 'rejected'], ['d-bad-total.csv', 'rejected'],
    ]);
    expect(ctx.db.prepare("SELECT id FROM orders WHERE id LIKE 'S-%' ORDER BY id").pluck().all()).toEqual(['S-3001', 'S-CSV-1', 'S-JSON-1']);
    expect(ctx.db.prepare("SELECT type FROM events WHERE order_id = 'S-CSV-1'").pluck().all()).toEqual(['fulfilment_accepted']);
    const c = JSON.parse(readFileSync(join(dir, 'rejected', 'c-bad-number.csv.errors.json'), 'utf8'));
    expect(c.error.issues).toEqual([expect.objectContaining({ path: 'line 3.unit_price', code: 'not_an_integer' })]);
    const d = JSON.parse(readFileSync(join(dir, 'rejected', 'd-bad-total.csv.errors.json'), 'utf8'));
    expect(d.error.issues).toEqual(expect.arrayContaining([expect.objectContaining({ csv_line: 2 })]));
  });

  it('takes events about orders imported earlier through events.submit, and refuses contradictions', () => {
    const ctx = testContext();
    expect(callApi(ctx, 'scenario.import', { scenario: readExample('network-basic.json') }).ok).toBe(true);
    expect(Object.hasOwn(handlers, 'events.submit')).toBe(true);
    const dir = inbox();
    const before = count(ctx, 'events');
    const late = { id: 'late-1', type: 'line_returned', order: 'W-1002', line: '1', quantity: 1, at: '2026-03-20T10:00:00Z' };
    drop(dir, 'a-late-events.json', { format: 'ventil.scenario/1', events: [late] });
    drop(dir, 'b-same-again.json', { format: 'ventil.scenario/1', events: [late] });
    drop(dir, 'c-too-many.json', { format: 'ventil.scenario/1', events: [{ ...late, id: 'late-2', quantity: 99 }] });
    const results = processInbox(ctx, dir, { now: () => FROZEN_NOW });
    expect(results.map((r) => [r.file, r.status, r.changed])).toEqual([
      ['a-late-events.json', 'accepted', true], ['b-same-again.json', 'accepted', false], ['c-too-many.json', 'rejected', undefined],
    ]);
    expect(count(ctx, 'events')).toBe(before + 1);
  });

  it('parses the orders CSV format', () => {
    const { batch, lineOf } = parseOrdersCsv(csvOrder('X-1'));
    expect(batch.orders).toEqual([{
      id: 'X-1', channel: 'store', origin: 'ST-LYON', created_at: '2026-03-06T10:00:00Z', currency: 'EUR',
      lines: [{ id: '1', sku: 'CAP-01', category: 'accessories', kind: 'goods', quantity: 1, unit_price: 2490, vat_rate: '0.20', delivery_mode: 'in_store', candidates: ['ST-LYON'] }],
      payments: [{ id: 'PAY-X-1', method: 'card', amount: 2490, psp_fee: 37, captured_at: '2026-03-06T10:00:00Z' }],
    }]);
    expect(batch.events).toEqual([{ id: 'ev-X-1-1', order: 'X-1', line: '1', type: 'fulfilment_accepted', at: '2026-03-06T10:00:00Z', location: 'ST-LYON' }]);
    expect(lineOf.get('orders[0].lines[0]')).toBe(3);
    expect(() => parseOrdersCsv('record,colour\norder,red\n')).toThrow(/header/);
  });
});

describe('HTTP pull with a cursor', () => {
  function feedServer(pages: Record<string, { items: unknown[]; next_cursor: string | null }>, failOnce: Set<string>): Promise<{ url: string; server: Server; seen: string[] }> {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      const cursor = new URL(req.url ?? '/', 'http://x').searchParams.get('cursor') ?? '';
      seen.push(cursor);
      if (failOnce.delete(cursor)) { res.writeHead(503).end(); return; }
      const page = pages[cursor] ?? { items: [], next_cursor: null };
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(page));
    });
    return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
      cleanups.push(() => server.close());
      resolve({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}/feed`, server, seen });
    }));
  }

  it('imports page by page, stores the cursor with each page, and resumes after a failure', async () => {
    const ctx = testContext(memoryDb());
    expect(callApi(ctx, 'scenario.import', { scenario: readExample('network-basic.json') }).ok).toBe(true);
    const base = readExample('network-basic.json').orders.find((o: { id: string }) => o.id === 'S-3001');
    const order = (id: string) => ({ order: { ...structuredClone(base), id, payments: [{ ...base.payments[0], id: `PAY-${id}` }] } });
    const event = (id: string) => ({ event: { id: `acc-${id}`, type: 'fulfilment_accepted', order: id, line: '1', location: 'ST-LYON', at: '2026-03-05T16:00:00Z' } });
    const fake = await feedServer({
      '': { items: [order('P-1'), event('P-1')], next_cursor: 'c1' },
      c1: { items: [order('P-2'), order('P-3')], next_cursor: 'c2' },
      c2: { items: [order('P-4')], next_cursor: 'c3' },
      c3: { items: [], next_cursor: 'c3' },
    }, new Set(['c2']));

    const first = await pullFeed(ctx, { name: 'oms', url: fake.url });
    expect(first).toMatchObject({ pages: 2, items: 4, cursor: 'c2', error: { code: 'feed_http_error' } });
    expect(readPullState(ctx, 'oms')).toMatchObject({ cursor: 'c2', pages: 2, items: 4, last_error: { code: 'feed_http_error' } });
    const second = await pullFeed(ctx, { name: 'oms', url: fake.url });
    expect(second).toMatchObject({ pages: 1, items: 1, cursor: 'c3', error: null });
    const third = await pullFeed(ctx, { name: 'oms', url: fake.url });
    expect(third).toMatchObject({ pages: 0, items: 0, cursor: 'c3' });
    expect(fake.seen).toEqual(['', 'c1', 'c2', 'c2', 'c3', 'c3']);
    expect(ctx.db.prepare("SELECT id FROM orders WHERE id LIKE 'P-%' ORDER BY id").pluck().all()).toEqual(['P-1', 'P-2', 'P-3', 'P-4']);
    expect(readPullState(ctx, 'oms')).toMatchObject({ cursor: 'c3', pages: 3, items: 5, last_error: null });
    const status = callApi(ctx, 'sync.status', {});
    expect(status).toMatchObject({ ok: true, value: { feeds: [expect.objectContaining({ name: 'oms', cursor: 'c3' })] } });
  });

  it('keeps the cursor on a page that does not validate, so nothing is skipped', async () => {
    const ctx = testContext(memoryDb());
    expect(callApi(ctx, 'scenario.import', { scenario: readExample('network-basic.json') }).ok).toBe(true);
    const fake = await feedServer({ '': { items: [{ order: { id: 'BAD' } }], next_cursor: 'c1' } }, new Set());
    const r = await pullFeed(ctx, { name: 'pos', url: fake.url });
    expect(r).toMatchObject({ pages: 0, cursor: null, error: { code: 'invalid_scenario' } });
    expect(readPullState(ctx, 'pos').cursor).toBeNull();
    expect(ctx.db.prepare("SELECT COUNT(*) FROM orders WHERE id = 'BAD'").pluck().get()).toBe(0);
    const offline = await pullFeed(ctx, { name: 'pos', url: 'http://127.0.0.1:9/feed', timeoutMs: 2000 });
    expect(offline).toMatchObject({ offline: true, error: { code: 'feed_unreachable' } });
  });
});
