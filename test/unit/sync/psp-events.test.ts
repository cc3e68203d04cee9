// Incoming PSP events: stored once, applied monotonically, the same end state in any order and
// with any number of copies; a failure after a success wins; a lost acknowledgement is
// recovered; webhook signatures are checked.
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { callApi } from '../../../core/api/index.js';
import { applyPspEvents, applyWebhook } from '../../../core/sync/psp-events.js';
import { enqueue, getOutboxRow } from '../../../core/sync/outbox.js';
import { transferKey } from '../../../core/sync/payloads.js';
import type { Db } from '../../../core/store/db.js';
import { FROZEN_NOW, memoryDb, testContext } from '../../helpers/db.js';
import { mulberry32 } from '../../../core/demo/random.js';

const KEY = transferKey('RUN-1', 'LYON', 'EUR');
const transfer = (amountReversed: number) => ({
  id: 'tr_1', object: 'transfer', amount: 1000, amount_reversed: amountReversed, currency: 'eur', created: 1774000000, destination: 'acct_lyon',
  metadata: { ventil_key: KEY, ventil_entity: 'LYON' }, reversed: amountReversed === 1000, transfer_group: 'ventil-run-RUN-1',
});
const payout = (status: string) => ({ id: 'po_1', object: 'payout', amount: 5000, currency: 'eur', created: 1774000100, status, metadata: { ventil_key: 'ventil.po:RUN-1:HQ:EUR', ventil_entity: 'HQ' } });
const refund = (status: string) => ({ id: 're_1', object: 'refund', amount: 700, currency: 'eur', created: 1774000200, status, payment_intent: 'pi_1', charge: null, metadata: { ventil_key: 'ventil.re:W-1:c1', ventil_entity: 'HQ' } });
const ev = (id: string, type: string, object: object) => ({ id, object: 'event', type, created: 1774000000, data: { object } });

const EVENTS = [
  ev('evt_1', 'transfer.created', transfer(0)),
  ev('evt_2', 'transfer.reversed', transfer(300)),
  ev('evt_3', 'transfer.reversed', transfer(1000)),
  ev('evt_4', 'payout.created', payout('pending')),
  ev('evt_5', 'payout.paid', payout('paid')),
  ev('evt_6', 'payout.failed', payout('failed')),
  ev('evt_7', 'refund.created', refund('pending')),
  ev('evt_8', 'refund.updated', refund('succeeded')),
];

const state = (db: Db) => db.prepare('SELECT psp_id, type, amount, amount_reversed, status, entity, outbox_key FROM psp_objects ORDER BY psp_id').all();

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}


describe('PSP events', () => {
  it('reaches the same state in every order, with duplicates, and a failure after success wins', () => {
    const inOrder = memoryDb();
    const r = inOrder.transaction(() => applyPspEvents(inOrder, EVENTS, { psp: 'stripe', source: 'file', now: FROZEN_NOW }))();
    expect(r).toMatchObject({ received: 8, applied: 8, duplicates: 0 });
    const want = state(inOrder);
    expect(want).toEqual([
      { psp_id: 'po_1', type: 'payout', amount: 5000, amount_reversed: 0, status: 'failed', entity: 'HQ', outbox_key: 'ventil.po:RUN-1:HQ:EUR' },
      { psp_id: 're_1', type: 'refund', amount: 700, amount_reversed: 0, status: 'succeeded', entity: 'HQ', outbox_key: 'ventil.re:W-1:c1' },
      { psp_id: 'tr_1', type: 'transfer', amount: 1000, amount_reversed: 1000, status: 'reversed', entity: 'LYON', outbox_key: KEY },
    ]);
    expect(r.failures).toEqual([{ psp_id: 'po_1', type: 'payout', status: 'failed', entity: 'HQ' }]);

    // Every order of the transfer and payout events (6! = 720), each with the refund events shuffled in.
    const rand = mulberry32(7);
    const core = EVENTS.slice(0, 6);
    const db = memoryDb();
    for (const perm of permutations(core)) {
      db.exec('BEGIN'); // each order from the same empty state: rolled back below
      const list = [...perm, EVENTS[7], EVENTS[6]];
      if (rand() < 0.5) list.reverse();
      for (const e of list) db.transaction(() => applyPspEvents(db, [e], { psp: 'stripe', source: 'webhook', now: FROZEN_NOW }))();
      // Replays of random events change nothing.
      const again = db.transaction(() => applyPspEvents(db, [list[Math.floor(rand() * list.length)], list[0]], { psp: 'stripe', source: 'webhook', now: FROZEN_NOW }))();
      expect(again.duplicates).toBe(2);
      expect(state(db)).toEqual(want);
      db.exec('ROLLBACK');
    }
    expect(state(db)).toEqual([]);
  });

  it('records older news as stale and keeps every event once', () => {
    const db = memoryDb();
    db.transaction(() => applyPspEvents(db, [EVENTS[2]], { psp: 'stripe', source: 'webhook', now: FROZEN_NOW }))();
    const r = db.transaction(() => applyPspEvents(db, [EVENTS[0], EVENTS[1], EVENTS[0]], { psp: 'stripe', source: 'webhook', now: FROZEN_NOW }))();
    expect(r).toMatchObject({ stale: 2, duplicates: 1 });
    expect(db.prepare('SELECT event_id, applied FROM psp_events ORDER BY event_id').all()).toEqual([
      { event_id: 'evt_1', applied: 'stale' }, { event_id: 'evt_2', applied: 'stale' }, { event_id: 'evt_3', applied: 'applied' },
    ]);
  });

  it('ignores objects Ventil did not make and events it does not track', () => {
    const db = memoryDb();
    const foreign = { ...payout('paid'), id: 'po_auto', metadata: {} };
    const r = db.transaction(() => applyPspEvents(db, [ev('evt_a', 'payout.paid', foreign), ev('evt_b', 'customer.created', { id: 'cus_1', object: 'customer' }), { nope: true }], { psp: 'stripe', source: 'file', now: FROZEN_NOW }))();
    expect(r).toMatchObject({ unmatched: 1, ignored: 1, invalid: [{ index: 2 }] });
    expect(state(db)).toEqual([]);
  });

  it('confirms a call whose acknowledgement was lost (the process died after the PSP applied it)', () => {
    const db = memoryDb();
    const id = db.transaction(() => enqueue(db, { kind: 'psp.transfer', idempotencyKey: KEY, payload: { entity: 'LYON', destination: 'acct_lyon', currency: 'EUR', amount: 1000, release_run: 'RUN-1', orders: [{ order: 'W-1', amount: 1000 }] } }))().id;
    db.prepare("UPDATE outbox SET status = 'failed', attempts = 1, last_error = 'interrupted' WHERE id = ?").run(id);
    const r = db.transaction(() => applyPspEvents(db, [EVENTS[0]], { psp: 'stripe', source: 'webhook', now: FROZEN_NOW }))();
    expect(r.confirmed).toBe(1);
    expect(getOutboxRow(db, id)).toMatchObject({ status: 'sent', adapter: 'stripe' });
    expect(db.prepare('SELECT release_run, orders_json FROM psp_objects').get()).toEqual({ release_run: 'RUN-1', orders_json: '[{"order":"W-1","amount":1000}]' });
  });

  it('verifies Stripe webhook signatures with the SDK, and refuses forged or unsigned deliveries', () => {
    const db = memoryDb();
    const secret = 'whsec_test_secret';
    const payload = JSON.stringify(EVENTS[0]);
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret });
    expect(applyWebhook(db, { payload, signature, secret, now: FROZEN_NOW })).toMatchObject({ applied: 1 });
    expect(applyWebhook(db, { payload, signature, secret, now: FROZEN_NOW })).toMatchObject({ duplicates: 1 });
    const forged = JSON.stringify(ev('evt_x', 'transfer.reversed', transfer(1000)));
    expect(() => applyWebhook(db, { payload: forged, signature, secret, now: FROZEN_NOW })).toThrow(expect.objectContaining({ code: 'invalid_signature' }));
    expect(() => applyWebhook(db, { payload, signature: undefined, secret, now: FROZEN_NOW })).toThrow(expect.objectContaining({ code: 'invalid_signature' }));
    expect(() => applyWebhook(db, { payload, signature, secret: null, now: FROZEN_NOW })).toThrow(expect.objectContaining({ code: 'webhook_secret_missing' }));
    expect(state(db)).toHaveLength(1);
  });

  it('applies an events file through the API, idempotently', () => {
    const ctx = testContext();
    const first = callApi(ctx, 'sync.psp_events.apply', { events: { data: EVENTS } });
    expect(first).toMatchObject({ ok: true, value: { applied: 8 } });
    const second = callApi(ctx, 'sync.psp_events.apply', { events: EVENTS });
    expect(second).toMatchObject({ ok: true, value: { applied: 0, duplicates: 8 } });
    expect(callApi(ctx, 'sync.psp_events.apply', { events: 'nope' })).toMatchObject({ ok: false, error: { code: 'invalid_events' } });
  });
});
