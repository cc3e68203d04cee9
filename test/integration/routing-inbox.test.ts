// Routing with a frozen clock: offers with deadlines, timeouts that reroute, the last refusal
// that cancels and refunds; a store's inbox (accept, refuse, another store's request refused);
// the routing history; scope by role.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { routingTick, startRoutingTimer } from '../../core/api/routing.js';
import type { Db } from '../../core/store/db.js';
import { ventil } from '../helpers/cli.js';
import { tempDir } from '../helpers/db.js';
import { auditor, basicScenario, call, clocked, controller, err, freshDb, importInto, manager, ok, shipFromStore, type Json } from '../helpers/lifecycle.js';

const line = (db: Db, order: string) => db.prepare(`SELECT l.status, l.fulfiller, l.gross, l.refunded FROM settlement_lines l
  JOIN settlements s ON s.order_id = l.order_id AND s.revision = l.revision WHERE l.order_id = ? AND l.line_id = '1'`).get(order) as Json;

function setup(network: Json = {}) {
  const db = freshDb();
  const clock = clocked(db, '2026-03-12T00:00:00Z');
  importInto(clock.ctx, basicScenario({
    network,
    orders: [
      shipFromStore('W-2001', '2026-03-10T10:00:00Z', ['ST-LYON', 'ST-VILL', 'ST-LILLE']),
      shipFromStore('W-2002', '2026-03-11T10:00:00Z', ['ST-VILL', 'ST-LYON']),
    ],
  }));
  return { db, ...clock };
}

describe('routing and the fulfilment inbox', () => {
  it('offers lines with deadlines, times out missed ones, reroutes, and cancels and refunds when no candidate is left', () => {
    const { db, ctx, set, as } = setup();
    const lyon = as(manager('LYON'));
    const vill = as(manager('VILL'));
    const lille = as(manager('LILLE'));

    const first = ok(call(ctx, 'routing.tick'));
    expect(first).toMatchObject({ offered: 2, timed_out: 0, cancelled: 0, failures: [] });
    const inbox = ok(call(lyon, 'inbox.list'));
    expect(inbox.requests).toEqual([expect.objectContaining({
      order: 'W-2001', line: '1', location: 'ST-LYON', entity: 'LYON', status: 'open', overdue: false,
      offered_at: '2026-03-12T00:00:00Z', deadline_at: '2026-03-13T00:00:00Z',
      items: [{ sku: 'SKU-W-2001', name: 'Article W-2001', quantity: 2 }],
      customer: { mode: 'ship_from_store', pickup_location: null, pickup_entity: null },
    })]);
    expect(ok(call(vill, 'inbox.list')).requests.map((r: Json) => r.order)).toEqual(['W-2002']);
    expect(ok(call(lille, 'inbox.list')).requests).toEqual([]);

    set('2026-03-12T23:59:59Z');
    expect(ok(call(ctx, 'routing.tick'))).toMatchObject({ offered: 0, timed_out: 0 });
    set('2026-03-13T01:00:00Z');
    expect(ok(call(lyon, 'inbox.list')).requests[0]).toMatchObject({ overdue: true, status: 'open' });
    const timeouts = ok(call(ctx, 'routing.tick'));
    expect(timeouts).toMatchObject({ timed_out: 2, offered: 2, closed: 2, cancelled: 0, failures: [] });
    expect(db.prepare("SELECT payload_json, source FROM events WHERE source = 'routing' ORDER BY seq").all().map((r: any) => ({ ...JSON.parse(r.payload_json), source: r.source }))).toEqual([
      { type: 'fulfilment_refused', id: 'routing-timeout:W-2001:1:ST-LYON', order: 'W-2001', line: '1', location: 'ST-LYON', reason: 'timeout', at: '2026-03-13T00:00:00Z', source: 'routing' },
      { type: 'fulfilment_refused', id: 'routing-timeout:W-2002:1:ST-VILL', order: 'W-2002', line: '1', location: 'ST-VILL', reason: 'timeout', at: '2026-03-13T00:00:00Z', source: 'routing' },
    ]);
    expect(line(db, 'W-2001')).toMatchObject({ status: 'pending', fulfiller: 'ST-VILL' });
    // The same tick again does nothing.
    expect(ok(call(ctx, 'routing.tick'))).toMatchObject({ offered: 0, timed_out: 0, closed: 0 });

    // W-2001 is now Villeurbanne's request: Lyon can neither answer it as Lyon nor as Villeurbanne.
    expect(err(call(lyon, 'inbox.accept', { order: 'W-2001', line: '1', location: 'ST-LYON' })).code).toBe('not_current_fulfiller');
    expect(err(call(lyon, 'inbox.accept', { order: 'W-2001', line: '1', location: 'ST-VILL' })).code).toBe('forbidden');
    // Lyon accepts its own request (W-2002, rerouted to it).
    const accepted = ok(call(lyon, 'inbox.accept', { order: 'W-2002', line: '1', location: 'ST-LYON' }));
    expect(accepted).toMatchObject({ offer: { status: 'accepted', closed_at: '2026-03-13T01:00:00Z' }, next: null, line: { status: 'accepted' } });
    expect(line(db, 'W-2002')).toMatchObject({ status: 'accepted', fulfiller: 'ST-LYON' });
    expect(err(call(lyon, 'inbox.accept', { order: 'W-2002', line: '1', location: 'ST-LYON' })).code).toBe('no_open_request');

    // Villeurbanne refuses W-2001 with a note: it goes to Lille.
    set('2026-03-13T02:00:00Z');
    const refused = ok(call(vill, 'inbox.refuse', { order: 'W-2001', line: '1', location: 'ST-VILL', reason: 'capacity', note: 'inventory day' }));
    expect(refused).toMatchObject({ offer: { status: 'refused', reason: 'capacity', note: 'inventory day' }, line: { status: 'pending' } });
    expect(refused.next).toEqual({ id: expect.any(Number) }); // a store does not see where the line went
    expect(ok(call(lille, 'inbox.list')).requests).toEqual([expect.objectContaining({ order: 'W-2001', deadline_at: '2026-03-14T02:00:00Z' })]);
    expect(err(call(vill, 'inbox.refuse', { order: 'W-2001', line: '1', location: 'ST-VILL', reason: 'timeout' })).code).toBe('invalid_input');

    // Lyon's acceptance, dated before its deadline but arriving after the timeout, is refused.
    const late = err(call(ctx, 'events.submit', { events: [{ type: 'fulfilment_accepted', order: 'W-2001', line: '1', location: 'ST-LYON', at: '2026-03-12T12:00:00Z' }] }));
    expect(late.issues).toEqual([expect.objectContaining({ path: 'events[0]', code: 'contradicts_stored_event' })]);
    expect(late.issues![0]!.message).toMatch(/cannot time out/);

    // Lille misses its deadline: no candidate left, the line is cancelled and refunded.
    set('2026-03-14T03:00:00Z');
    expect(ok(call(ctx, 'routing.tick'))).toMatchObject({ timed_out: 1, offered: 0, cancelled: 1 });
    const cancelled = line(db, 'W-2001');
    expect(cancelled).toMatchObject({ status: 'cancelled', fulfiller: 'ST-LILLE', refunded: cancelled.gross });
    const head = db.prepare("SELECT captured, psp_fees, refunded FROM settlements WHERE order_id = 'W-2001'").get() as Json;
    const payouts = (db.prepare(`SELECT coalesce(sum(e.amount), 0) AS n FROM entity_shares e JOIN settlements s ON s.order_id = e.order_id AND s.revision = e.revision
      WHERE e.order_id = 'W-2001'`).get() as Json).n;
    expect(payouts + head.psp_fees + head.refunded).toBe(head.captured);
    expect(head.refunded).toBe(10000);

    const history = ok(call(ctx, 'routing.history', { order: 'W-2001' }));
    expect(history.history.map((h: Json) => [h.action, h.location, h.at, h.reason, h.note, h.actor])).toEqual([
      ['offered', 'ST-LYON', '2026-03-12T00:00:00Z', null, null, 'system'],
      ['timed_out', 'ST-LYON', '2026-03-13T00:00:00Z', 'timeout', null, 'system'],
      ['offered', 'ST-VILL', '2026-03-13T01:00:00Z', 'rerouted', null, 'system'],
      ['refused', 'ST-VILL', '2026-03-13T02:00:00Z', 'capacity', 'inventory day', 'mgr-vill'],
      ['offered', 'ST-LILLE', '2026-03-13T02:00:00Z', 'rerouted', null, 'mgr-vill'],
      ['timed_out', 'ST-LILLE', '2026-03-14T02:00:00Z', 'timeout', null, 'system'],
      ['cancelled', 'ST-LILLE', '2026-03-14T02:00:00Z', 'no_candidate_left', null, 'system'],
    ]);
    expect(history.offers.filter((o: Json) => o.status === 'open')).toEqual([]);
    // A store sees its own part of the history; a store with no part sees nothing.
    expect(ok(call(lille, 'routing.history', { order: 'W-2001' })).history.map((h: Json) => h.action)).toEqual(['offered', 'timed_out', 'cancelled']);
    expect(err(call(lille, 'routing.history', { order: 'W-2002' })).code).toBe('forbidden');
  });

  it('scopes the inbox by role: a controller reads its region, an auditor reads all, neither answers', () => {
    const { ctx, as } = setup();
    ok(call(ctx, 'routing.tick'));
    const aura = as(controller('AURA'));
    expect(ok(call(aura, 'inbox.list')).requests.map((r: Json) => r.location).sort()).toEqual(['ST-LYON', 'ST-VILL']);
    expect(ok(call(as(controller('HDF')), 'inbox.list')).requests).toEqual([]);
    expect(err(call(aura, 'inbox.accept', { order: 'W-2001', line: '1', location: 'ST-LYON' })).code).toBe('forbidden');
    expect(ok(call(as(auditor), 'inbox.list')).total).toBe(2);
    expect(err(call(as(auditor), 'inbox.refuse', { order: 'W-2001', line: '1', location: 'ST-LYON', reason: 'other' })).code).toBe('forbidden');
    expect(err(call(as(manager('LYON')), 'inbox.list', { location: 'ST-VILL' })).code).toBe('forbidden');
    expect(err(call(as(manager('LYON')), 'routing.tick')).code).toBe('forbidden');
  });

  it('uses the network\'s offer_deadline_hours, and routes a line rerouted by imported events', () => {
    const { ctx, db } = setup({ offer_deadline_hours: 2 });
    const tick = routingTick(db, new Date('2026-03-12T00:00:00Z'));
    expect(tick.offered).toBe(2);
    expect(ok(call(ctx, 'inbox.list')).requests.map((r: Json) => r.deadline_at)).toEqual(['2026-03-12T02:00:00Z', '2026-03-12T02:00:00Z']);
    // A refusal arriving in an events file closes the offer and opens the next one.
    ok(call(ctx, 'events.submit', { events: [{ type: 'fulfilment_refused', order: 'W-2001', line: '1', location: 'ST-LYON', reason: 'no_stock', at: '2026-03-12T00:30:00Z' }] }));
    const history = ok(call(ctx, 'routing.history', { order: 'W-2001' })).history;
    expect(history.map((h: Json) => [h.action, h.location, h.source])).toEqual([
      ['offered', 'ST-LYON', 'routing'], ['refused', 'ST-LYON', 'api'], ['offered', 'ST-VILL', 'api'],
    ]);
  });
});

describe('the routing timer', () => {
  it('ticks on its own until stopped (what the desktop app starts)', async () => {
    const { db } = setup();
    let now = new Date('2026-03-12T00:00:00Z');
    const ticks: number[] = [];
    const timer = startRoutingTimer(db, { intervalMs: 10, now: () => now, onTick: (r) => ticks.push(r.timed_out), onError: (e) => { throw e; } });
    now = new Date('2026-03-13T01:00:00Z');
    await new Promise((r) => setTimeout(r, 80));
    timer.stop();
    const seen = ticks.length;
    await new Promise((r) => setTimeout(r, 40));
    expect(ticks.length).toBe(seen);
    expect(ticks.reduce((a, b) => a + b, 0)).toBe(2);
    expect(db.prepare("SELECT count(*) FROM routing_offers WHERE status = 'open'").pluck().get()).toBe(2);
  });
});

describe('ventil route', () => {
  const tmp = tempDir('ventil-route-');
  afterAll(() => tmp.cleanup());

  it('--tick offers, then times out on the real clock; --history prints it', async () => {
    const db = join(tmp.dir, 'v.db');
    const file = join(tmp.dir, 's.json');
    // A deadline of 1.8 seconds, so the real clock passes it during the test.
    writeFileSync(file, JSON.stringify(basicScenario({ network: { offer_deadline_hours: 0.0005 }, orders: [shipFromStore('W-2001', '2026-03-10T10:00:00Z', ['ST-LYON', 'ST-VILL'])] })));
    expect(ventil(['import', file, '--db', db]).status).toBe(0);
    const tick = ventil(['route', '--tick', '--db', db]);
    expect(tick.status).toBe(0);
    expect(tick.stdout).toMatch(/1 offered, 0 timed out/);
    await new Promise((r) => setTimeout(r, 2000));
    const again = ventil(['route', '--tick', '--db', db, '--json']);
    expect(again.status).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: true, timed_out: 1, offered: 1 });
    const history = ventil(['route', '--history', 'W-2001', '--db', db]);
    expect(history.status).toBe(0);
    expect(history.stdout).toMatch(/line 1 {2}timed_out ST-LYON \(timeout\)/);
    expect(ventil(['route', '--db', db]).status).toBe(2);
  });
});
