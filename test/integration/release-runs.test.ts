// Release runs: what they pay, their idempotency (a second run releases nothing), returns after
// release in `net` and `reverse` recovery, conservation per order, escrow positions and
// anomalies, and each role's view.
import { describe, expect, it } from 'vitest';
import { registerAnomalyProvider } from '../../core/api/anomalies.js';
import { escrowAt } from '../../core/domain/shares.js';
import { currentShareRows } from '../../core/store/release-repo.js';
import type { Db } from '../../core/store/db.js';
import { auditor, basicScenario, call, clocked, err, freshDb, importInto, manager, ok, shipFromStore, type Json } from '../helpers/lifecycle.js';

const count = (db: Db, table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

/** W-3001: a Villeurbanne order delivered on 13 March (released on the 27th). */
const W3001 = shipFromStore('W-3001', '2026-03-12T10:00:00Z', ['ST-VILL'], { quantity: 1, unitPrice: 12000, fee: 150 });
const W3001_EVENTS = [
  { type: 'fulfilment_accepted', order: 'W-3001', line: '1', location: 'ST-VILL', at: '2026-03-12T11:00:00Z' },
  { type: 'line_shipped', order: 'W-3001', line: '1', at: '2026-03-12T15:00:00Z' },
  { type: 'line_delivered', order: 'W-3001', line: '1', at: '2026-03-13T10:00:00Z' },
];
/** Villeurbanne's jacket on W-1001 (collected 5 March, released on the 19th) comes back on the 21st. */
const RETURN_AFTER_RELEASE = { type: 'line_returned', order: 'W-1001', line: '2', quantity: 1, location: 'ST-VILL', at: '2026-03-21T10:00:00Z' };

function setup(recovery: 'net' | 'reverse') {
  const db = freshDb();
  const clock = clocked(db, '2026-03-20T01:00:00Z');
  const s = basicScenario({ network: { after_release_recovery: recovery }, orders: [W3001] });
  s.events.push(...W3001_EVENTS);
  importInto(clock.ctx, s);
  return { db, ...clock };
}

/** Per order: what transfers paid, what the order can pay out at most, and what is overpaid (a carried debt). */
function conservation(db: Db) {
  const rows = db.prepare(`SELECT s.order_id AS "order", s.captured - s.psp_fees - s.refunded AS bound,
      coalesce((SELECT sum(i.amount) FROM transfer_items i WHERE i.order_id = s.order_id), 0) AS transferred
    FROM settlements s ORDER BY s.order_id`).all() as { order: string; bound: number; transferred: number }[];
  const payout = db.prepare(`SELECT e.entity, sum(e.amount) AS amount FROM entity_shares e JOIN settlements s ON s.order_id = e.order_id AND s.revision = e.revision
    WHERE e.order_id = ? GROUP BY e.entity`);
  const paid = db.prepare('SELECT t.entity, sum(i.amount) AS amount FROM transfer_items i JOIN transfers t ON t.id = i.transfer_id WHERE i.order_id = ? GROUP BY t.entity');
  return rows.map((r) => {
    const due = new Map((payout.all(r.order) as { entity: string; amount: number }[]).map((x) => [x.entity, x.amount]));
    const overpaid: Record<string, number> = {};
    for (const p of paid.all(r.order) as { entity: string; amount: number }[]) {
      const over = p.amount - (due.get(p.entity) ?? 0);
      if (over > 0) overpaid[p.entity] = over;
    }
    return { ...r, overpaid };
  });
}

/**
 * Conservation per order: transfers never pay out more than the order captured less PSP fees
 * and refunds, except for a debt being carried (a return after release, netted later), and
 * only by the entities `carrying` allows ('all', or none).
 */
function expectConserved(db: Db, carrying: 'all' | 'none' | string) {
  for (const c of conservation(db)) {
    const total = Object.values(c.overpaid).reduce((a, b) => a + b, 0);
    expect({ order: c.order, ok: c.transferred - total <= c.bound }).toEqual({ order: c.order, ok: true });
    const allowed = carrying === 'all' ? c.overpaid : carrying === 'none' ? {} : Object.fromEntries(Object.entries(c.overpaid).filter(([e]) => e === carrying));
    expect({ order: c.order, overpaid: c.overpaid }).toEqual({ order: c.order, overpaid: allowed });
    if (total === 0) expect(c.transferred).toBeLessThanOrEqual(c.bound);
  }
  // Every transfer's items add up to it.
  const bad = db.prepare('SELECT t.id FROM transfers t WHERE t.amount != (SELECT sum(i.amount) FROM transfer_items i WHERE i.transfer_id = t.id)').all();
  expect(bad).toEqual([]);
}

describe('release runs', () => {
  it('pays each entity its released shares once: one transfer per entity and currency, with its outbox call', () => {
    const { db, ctx, set } = setup('net');
    const asOf = '2026-03-20T00:00:00Z';
    const preview = ok(call(ctx, 'release.preview', { as_of: asOf }));
    expect(count(db, 'release_runs')).toBe(0);
    const r = ok(call(ctx, 'release.run', { as_of: asOf }));
    expect(r.run.id).toMatch(/^rr_20260320T000000Z_[0-9a-f]{16}$/);
    expect(r.transfers.map((t: Json) => t.idempotency_key)).toEqual(preview.transfers.map((t: Json) => t.idempotency_key));

    // What each entity got is exactly its released shares (escrowAt on the stored shares).
    const released = new Map<string, number>();
    const byOrder = new Map<string, ReturnType<typeof currentShareRows>>();
    for (const s of currentShareRows(db)) byOrder.set(s.order, [...(byOrder.get(s.order) ?? []), s]);
    for (const shares of byOrder.values()) for (const [e, v] of escrowAt(shares, Date.parse(asOf))) released.set(e, (released.get(e) ?? 0) + v.released);
    const paid = Object.fromEntries(r.transfers.map((t: Json) => [t.entity, t.amount]));
    expect(paid).toEqual(Object.fromEntries([...released].filter(([, v]) => v > 0)));
    expect(r.transfers.map((t: Json) => [t.entity, t.kind])).toEqual([['HQ', 'withdrawal'], ['LYON', 'transfer'], ['VILL', 'transfer']]);

    // One outbox row per transfer, under the same key, in the same run.
    const outbox = db.prepare('SELECT kind, idempotency_key, payload_json FROM outbox ORDER BY id').all() as { kind: string; idempotency_key: string; payload_json: string }[];
    expect(outbox.map((o) => [o.kind, o.idempotency_key])).toEqual(r.transfers.map((t: Json) => [t.kind === 'withdrawal' ? 'psp.payout' : 'psp.transfer', t.idempotency_key]));
    const lyon = JSON.parse(outbox[1]!.payload_json);
    expect(lyon).toMatchObject({ entity: 'LYON', destination: 'acct_lyon', currency: 'EUR', amount: paid.LYON, release_run: r.run.id });
    expect(lyon.orders.reduce((s: number, o: Json) => s + o.amount, 0)).toBe(paid.LYON);
    expect(db.prepare("SELECT DISTINCT status FROM transfers").pluck().all()).toEqual(['queued']);

    // Again, same moment or later with nothing new: nothing released, nothing written.
    expect(ok(call(ctx, 'release.run', { as_of: asOf }))).toMatchObject({ run: null, transfers: [] });
    set('2026-03-20T06:00:00Z');
    expect(ok(call(ctx, 'release.run', { as_of: '2026-03-20T05:00:00Z' }))).toMatchObject({ run: null });
    expect(count(db, 'transfers')).toBe(3);
    expect(count(db, 'outbox')).toBe(3);
    expect(err(call(ctx, 'release.run', { as_of: '2026-03-19T00:00:00Z' })).code).toBe('as_of_before_last_run');
    expect(err(call(ctx, 'release.run', { as_of: '2026-03-25T00:00:00Z' })).code).toBe('as_of_in_future');
    expectConserved(db, 'none');
    const runs = ok(call(ctx, 'release.list')).runs;
    expect(runs).toEqual([expect.objectContaining({ id: r.run.id, transfer_count: 3, totals: [{ currency: 'EUR', transferred: paid.LYON + paid.VILL, withdrawn: paid.HQ, reversed: 0 }] })]);
    const got = ok(call(ctx, 'release.get', { id: r.run.id, items: true }));
    expect(got.transfers.map((t: Json) => t.delivery.status)).toEqual(['pending', 'pending', 'pending']);
    for (const t of got.transfers) expect(t.lines.reduce((s: number, l: Json) => s + l.amount, 0)).toBe(t.amount);
  });

  it('net recovery: a return after release is carried as a debt, then netted against the next transfer', () => {
    const { db, ctx, set, as } = setup('net');
    ok(call(ctx, 'release.run', { as_of: '2026-03-20T00:00:00Z' }));
    const vill1 = db.prepare("SELECT amount FROM transfers WHERE entity = 'VILL'").pluck().get() as number;
    set('2026-03-21T12:00:00Z');
    ok(call(ctx, 'events.submit', { events: [RETURN_AFTER_RELEASE] }));
    const villShareOfLine = vill1 - (db.prepare("SELECT sum(i.amount) FROM transfer_items i JOIN transfers t ON t.id = i.transfer_id WHERE t.entity = 'VILL' AND NOT (i.order_id = 'W-1001' AND i.line_id = '2')").pluck().get() as number);

    set('2026-03-22T01:00:00Z');
    const run2 = ok(call(ctx, 'release.run', { as_of: '2026-03-22T00:00:00Z' }));
    expect(run2.transfers.filter((t: Json) => t.entity === 'VILL')).toEqual([]);
    expect(run2.carried).toContainEqual({ entity: 'VILL', currency: 'EUR', amount: -villShareOfLine, reason: 'net_not_positive' });
    const balances = ok(call(ctx, 'release.balances', { entity: 'VILL' })).balances;
    expect(balances).toEqual([expect.objectContaining({ entity: 'VILL', unpaid: -villShareOfLine, owed_to_network: villShareOfLine })]);
    const anomalies = ok(call(ctx, 'anomalies.list')).anomalies;
    expect(anomalies).toContainEqual(expect.objectContaining({ kind: 'negative_balance', entities: ['VILL'], amount: -villShareOfLine }));
    expect(anomalies.filter((a: Json) => a.kind === 'escrow_not_zero')).toEqual([]);
    expectConserved(db, 'all');

    // W-3001 releases on the 27th: Villeurbanne is paid its share less its debt, in one transfer.
    set('2026-03-28T01:00:00Z');
    const run3 = ok(call(ctx, 'release.run', { as_of: '2026-03-28T00:00:00Z' }));
    const vill3 = run3.transfers.find((t: Json) => t.entity === 'VILL');
    const w3001 = db.prepare(`SELECT sum(e.amount) FROM entity_shares e JOIN settlements s ON s.order_id = e.order_id AND s.revision = e.revision
      WHERE e.order_id = 'W-3001' AND e.entity = 'VILL'`).pluck().get() as number;
    expect(vill3).toMatchObject({ kind: 'transfer', amount: w3001 - villShareOfLine });
    expect(vill3.orders).toEqual([{ order: 'W-1001', amount: -villShareOfLine }, { order: 'W-3001', amount: w3001 }]);
    expect(ok(call(ctx, 'release.balances', { entity: 'VILL' })).balances[0]).toMatchObject({ unpaid: 0, owed_to_network: 0 });
    expectConserved(db, 'none');

    // Escrow reaches zero for every closed order; EA-2001 (shipped, not delivered) is still held.
    const positions = ok(call(ctx, 'escrow.position', { entity: 'VILL' }));
    expect(positions.orders.find((o: Json) => o.order === 'W-1001')).toMatchObject({ balance: 0 });
    for (const order of ['W-1001', 'W-1002', 'S-3001', 'W-1003', 'W-3001']) {
      expect({ order, balance: ok(call(ctx, 'escrow.position', { order })).orders[0].balance }).toEqual({ order, balance: 0 });
    }
    expect(ok(call(ctx, 'escrow.position', { order: 'EA-2001' })).orders[0].held).toBeGreaterThan(0);
    expect(ok(call(ctx, 'anomalies.list')).anomalies).toEqual([]);

    // Scope: Villeurbanne sees its own transfers and balance only.
    const vill = as(manager('VILL'));
    expect(ok(call(vill, 'release.list')).runs.map((r: Json) => r.transfer_count)).toEqual([1, 1]);
    expect(ok(call(vill, 'release.get', { id: run3.run.id })).transfers.map((t: Json) => t.entity)).toEqual(['VILL']);
    expect(ok(call(vill, 'release.balances')).balances.map((b: Json) => b.entity)).toEqual(['VILL']);
    expect(err(call(vill, 'release.balances', { entity: 'LYON' })).code).toBe('forbidden');
    expect(err(call(vill, 'escrow.position', { order: 'EA-2001' })).code).toBe('forbidden');
    expect(err(call(vill, 'release.run', { as_of: '2026-03-28T00:00:00Z' })).code).toBe('forbidden');
    expect(err(call(vill, 'release.preview', {})).code).toBe('forbidden');
    expect(ok(call(as(auditor), 'release.preview', { as_of: '2026-03-28T00:00:00Z' }))).toMatchObject({ run: null });
    expect(err(call(as(auditor), 'release.run', {})).code).toBe('forbidden');
  });

  it('reverse recovery: a return after release reverses the transfer that paid it', () => {
    const { db, ctx, set } = setup('reverse');
    const run1 = ok(call(ctx, 'release.run', { as_of: '2026-03-20T00:00:00Z' }));
    const villTransfer = run1.transfers.find((t: Json) => t.entity === 'VILL');
    set('2026-03-21T12:00:00Z');
    ok(call(ctx, 'events.submit', { events: [RETURN_AFTER_RELEASE] }));
    set('2026-03-22T01:00:00Z');
    const run2 = ok(call(ctx, 'release.run', { as_of: '2026-03-22T00:00:00Z' }));
    const reversal = run2.transfers.find((t: Json) => t.kind === 'reversal');
    expect(reversal).toMatchObject({ entity: 'VILL', reverses: villTransfer.id, orders: [{ order: 'W-1001', amount: expect.any(Number) }] });
    expect(reversal.amount).toBeLessThan(0);
    expect(run2.transfers.filter((t: Json) => t.kind === 'reversal')).toHaveLength(1);
    const outbox = db.prepare("SELECT payload_json, depends_on FROM outbox WHERE kind = 'psp.transfer_reversal'").get() as { payload_json: string; depends_on: string };
    expect(JSON.parse(outbox.payload_json)).toMatchObject({ entity: 'VILL', amount: -reversal.amount, transfer_key: villTransfer.idempotency_key, reason: 'return_after_release' });
    expect(outbox.depends_on).toBe(villTransfer.idempotency_key);
    expect(ok(call(ctx, 'release.balances', { entity: 'VILL' })).balances[0]).toMatchObject({ unpaid: 0, owed_to_network: 0 });
    expect(ok(call(ctx, 'release.list')).runs[0].totals).toEqual([expect.objectContaining({ reversed: -reversal.amount })]);
    // The platform's own share is never reversed (it was withdrawn to its own bank): it nets.
    expectConserved(db, 'HQ');
    // A second run at the same moment reverses nothing more.
    expect(ok(call(ctx, 'release.run', { as_of: '2026-03-22T00:00:00Z' }))).toMatchObject({ run: null });

    set('2026-03-28T01:00:00Z');
    const run3 = ok(call(ctx, 'release.run', { as_of: '2026-03-28T00:00:00Z' }));
    expect(run3.transfers.find((t: Json) => t.entity === 'VILL').orders).toEqual([{ order: 'W-3001', amount: expect.any(Number) }]);
    expectConserved(db, 'none');
    expect(ok(call(ctx, 'anomalies.list')).anomalies).toEqual([]);
  });

  it('keeps the money of an entity without a PSP account in escrow, and says so', () => {
    const db = freshDb();
    const { ctx } = clocked(db, '2026-03-20T01:00:00Z');
    const s = basicScenario();
    s.network.entities.find((e: Json) => e.id === 'LYON').psp_account = null;
    importInto(ctx, s);
    const r = ok(call(ctx, 'release.run', { as_of: '2026-03-20T00:00:00Z' }));
    expect(r.transfers.map((t: Json) => t.entity)).toEqual(['HQ', 'VILL']);
    expect(r.carried).toEqual([expect.objectContaining({ entity: 'LYON', reason: 'no_psp_account' })]);
    const kinds = ok(call(ctx, 'anomalies.list')).anomalies.map((a: Json) => a.kind).sort();
    expect(kinds).toContain('missing_psp_account');
  });
});

describe('anomalies', () => {
  it('counts money released but not transferred: waiting for the next run, then missed by a run', () => {
    const { ctx, set, as } = setup('net');
    const kind = { kinds: ['released_not_transferred'] };
    const before = ok(call(ctx, 'anomalies.list', kind));
    expect(before.counts.released_not_transferred).toBeGreaterThan(0);
    expect(new Set(before.anomalies.map((a: Json) => a.severity))).toEqual(new Set(['warning']));
    const vill = before.anomalies.find((a: Json) => a.entities[0] === 'VILL');
    expect(vill.amount).toBe(ok(call(ctx, 'release.balances', { entity: 'VILL' })).balances[0].unpaid);
    expect(ok(call(as(manager('LYON')), 'anomalies.list', kind)).anomalies.map((a: Json) => a.entities[0])).toEqual(['LYON']);
    ok(call(ctx, 'release.run', { as_of: '2026-03-20T00:00:00Z' }));
    expect(ok(call(ctx, 'anomalies.list', kind)).anomalies).toEqual([]);
    // Released after the last run (W-3001 on the 27th): waiting for the next run, not missed.
    set('2026-03-29T01:00:00Z');
    const later = ok(call(ctx, 'anomalies.list', kind)).anomalies;
    expect(later.map((a: Json) => a.entities[0])).toContain('VILL');
    expect(new Set(later.map((a: Json) => a.severity))).toEqual(new Set(['warning']));
    // What a run could not pay (LYON had no PSP account at the time), once payable, missed a run: an error.
    const { ctx: ctx2, set: set2 } = setup('net');
    const account = ctx2.db.prepare("SELECT psp_account FROM entities WHERE id = 'LYON'").pluck().get();
    ctx2.db.prepare("UPDATE entities SET psp_account = NULL WHERE id = 'LYON'").run();
    ok(call(ctx2, 'release.run', { as_of: '2026-03-20T00:00:00Z' }));
    ctx2.db.prepare("UPDATE entities SET psp_account = ? WHERE id = 'LYON'").run(account);
    set2('2026-03-21T01:00:00Z');
    expect(ok(call(ctx2, 'anomalies.list', kind)).anomalies.find((a: Json) => a.entities[0] === 'LYON')).toMatchObject({ severity: 'error', details: { missed_last_run: expect.any(Number) } });
  });

  it('runs every registered provider and shows each user the anomalies of its entities', () => {
    const { ctx, as } = setup('net');
    registerAnomalyProvider({
      kind: 'test_mismatch', description: 'a kind added by another module',
      list: () => [
        { kind: 'test_mismatch', severity: 'error', message: 'Lyon thing', entities: ['LYON'] },
        { kind: 'test_mismatch', severity: 'warning', message: 'Villeurbanne thing', entities: ['VILL'] },
      ],
    });
    const all = ok(call(ctx, 'anomalies.list', { kinds: ['test_mismatch'] }));
    expect(all.counts).toEqual({ test_mismatch: 2 });
    expect(ok(call(as(manager('LYON')), 'anomalies.list', { kinds: ['test_mismatch'] })).anomalies.map((a: Json) => a.message)).toEqual(['Lyon thing']);
    expect(err(call(ctx, 'anomalies.list', { kinds: ['nope'] })).code).toBe('invalid_input');
    registerAnomalyProvider({ kind: 'test_mismatch', description: 'broken', list: () => { throw new Error('boom'); } });
    expect(ok(call(ctx, 'anomalies.list', { kinds: ['test_mismatch'] })).failures).toEqual([{ kind: 'test_mismatch', message: 'boom' }]);
  });
});
