// `orders.list` pages with a keyset cursor: each page continues after the last row of the one
// before (no offset to skip), so the last page costs what the first does. Pages read one after
// the other give exactly the whole list, in every sort and direction, and a store sees its own.
import { describe, expect, it } from 'vitest';
import { generateScenario } from '../../core/demo/generate.js';
import { testBackend } from '../helpers/db.js';
import { call, clocked, err, freshDb, importInto, manager, ok, type Json } from '../helpers/lifecycle.js';

describe('orders.list keyset paging', () => {
  const db = freshDb();
  const clock = clocked(db, '2026-11-30T00:00:00Z');
  importInto(clock.ctx, generateScenario({ seed: 9, franchisees: 4, orders: 180, from: '2026-09-01', to: '2026-11-20' }));
  const store = db.prepare("SELECT id FROM entities WHERE kind = 'franchisee' ORDER BY id LIMIT 1").pluck().get() as string;

  function pages(ctx: Parameters<typeof call>[0], input: Json, size: number) {
    const rows: Json[] = [];
    let cursor: string | null = null;
    let calls = 0;
    do {
      const r: Json = ok(call(ctx, 'orders.list', { ...input, limit: size, ...(cursor ? { cursor } : {}) }));
      rows.push(...r.rows);
      cursor = r.next_cursor;
      calls++;
    } while (cursor !== null && calls < 100);
    return rows;
  }

  const cases: Json[] = [
    { sort: 'created_at', desc: true }, { sort: 'created_at', desc: false }, { sort: 'id', desc: false }, { sort: 'captured', desc: true },
    { sort: 'amount', desc: true, entity: 'HQ' }, { sort: 'amount', desc: false, entity: 'HQ' },
  ];
  it.each(cases)('reads the whole list page by page: %o', (input) => {
    const whole = ok(call(clock.ctx, 'orders.list', { ...input, limit: 1000 }));
    expect(whole.next_cursor).toBeNull();
    expect(whole.total).toBe(whole.rows.length);
    const paged = pages(clock.ctx, input, 23);
    expect(paged.map((r) => r.id)).toEqual(whole.rows.map((r: Json) => r.id));
    expect(new Set(paged.map((r) => r.id)).size).toBe(paged.length);
  });

  it('pages a store\'s own orders, and refuses a cursor it did not give', () => {
    const ctx = clock.as(manager(store));
    const whole = ok(call(ctx, 'orders.list', { limit: 1000 }));
    expect(whole.total).toBeGreaterThan(10);
    expect(pages(ctx, {}, 7).map((r) => r.id)).toEqual(whole.rows.map((r: Json) => r.id));
    const first = ok(call(ctx, 'orders.list', { limit: 5 }));
    expect(err(call(ctx, 'orders.list', { limit: 5, cursor: 'not-a-cursor' })).issues?.[0]?.code).toBe('invalid_cursor');
    expect(err(call(ctx, 'orders.list', { limit: 5, sort: 'id', cursor: first.next_cursor })).issues?.[0]?.code).toBe('cursor_mismatch');
    expect(err(call(ctx, 'orders.list', { limit: 5, offset: 5, cursor: first.next_cursor })).issues?.[0]?.code).toBe('cursor_and_offset');
  });

  // What the query's plan is called differs: SQLite's EXPLAIN QUERY PLAN, PostgreSQL's EXPLAIN (FORMAT JSON).
  // On PostgreSQL, with a few hundred rows a sequential scan and a sort cost less than the index,
  // so the plan is read with both priced out (enable_seqscan/enable_sort off, for this transaction
  // only): the question is whether the index can serve the cursor and the order, not what the
  // planner picks for a tiny table.
  const PAGE_SQL = `SELECT o.id FROM orders o JOIN settlements s ON s.order_id = o.id
      WHERE (o.created_at, o.id) < (?, ?) ORDER BY o.created_at DESC, o.id DESC LIMIT 100`;
  it('continues from the cursor through the (created_at, id) index, not by skipping rows', () => {
    const params = ['2026-10-01T00:00:00Z', 'x'];
    if (testBackend === 'sqlite') {
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${PAGE_SQL}`).all(...params) as { detail: string }[]).map((r) => r.detail).join('; ');
      expect(plan).toMatch(/SEARCH o USING (COVERING )?INDEX orders_created_id \(\(created_at,id\)<\(\?,\?\)\)/);
      expect(plan).not.toMatch(/TEMP B-TREE/);
      return;
    }
    const nodes: Json[] = [];
    const walk = (n: Json) => { nodes.push(n); for (const c of n.Plans ?? []) walk(c); };
    db.transaction(() => {
      db.exec('SET LOCAL enable_seqscan = off; SET LOCAL enable_sort = off');
      const [explained] = db.prepare(`EXPLAIN (FORMAT JSON) ${PAGE_SQL}`).pluck().all(...params) as string[];
      walk((JSON.parse(explained!) as Json[])[0]!.Plan);
    })();
    const scan = nodes.find((n) => n['Relation Name'] === 'orders');
    expect(scan?.['Node Type']).toMatch(/^Index (Only )?Scan$/);
    expect(scan?.['Index Name']).toBe('orders_created_id');
    expect(scan?.['Scan Direction']).toBe('Backward');
    expect(scan?.['Index Cond']).toMatch(/ROW\(created_at, id\) < ROW\(/);
    expect(nodes.map((n) => n['Node Type'])).not.toContain('Sort');
  });
});
