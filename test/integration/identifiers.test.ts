// Look-alike identifiers and payments counted twice (issue 16, items 5-7): a payment belongs to
// one order in the whole network; every identifier is NFC and free of control, format,
// bidirectional and invisible characters and of lone surrogates; the scenario names its format.
import { describe, expect, it } from 'vitest';
import { callApi } from '../../core/api/index.js';
import { memoryDb, readExample, testContext } from '../helpers/db.js';

const dump = (db: ReturnType<typeof memoryDb>) =>
  ['orders', 'order_lines', 'payments', 'events', 'entities', 'rules', 'imports', 'settlements']
    .map((t) => db.prepare(`SELECT * FROM ${t} ORDER BY rowid`).raw().all());

function imported() {
  const ctx = testContext();
  const r = callApi(ctx, 'scenario.import', { scenario: readExample('network-basic.json') });
  if (!r.ok) throw new Error(r.error.message);
  return ctx;
}

/** An order of the example under another id, with its payments (ids kept unless given). */
function copyOfW1001(id: string, paymentId?: string) {
  const o = structuredClone(readExample('network-basic.json').orders[0]);
  o.id = id;
  if (paymentId) o.payments[0].id = paymentId;
  return o;
}

describe('item 5: a PSP payment is counted once in the whole network', () => {
  it('refuses a second order carrying a payment already stored, naming it and its order', () => {
    const ctx = imported();
    const before = dump(ctx.db);
    const scenario = { ...readExample('network-basic.json'), orders: [copyOfW1001('W-9001')], events: [] };
    const r = callApi(ctx, 'scenario.import', { scenario });
    expect(r).toMatchObject({ ok: false, error: { code: 'import_conflict', issues: [{ path: 'orders[0].payments[0].id', code: 'duplicate_payment', message: expect.stringContaining('W-1001') }] } });
    expect(dump(ctx.db)).toEqual(before);
    // The same order again is still a no-op, and another payment id is welcome.
    expect(callApi(ctx, 'scenario.import', { scenario: readExample('network-basic.json') })).toMatchObject({ ok: true, value: { changed: false } });
    expect(callApi(ctx, 'scenario.import', { scenario: { ...scenario, orders: [copyOfW1001('W-9001', 'PAY-9001')] } })).toMatchObject({ ok: true, value: { changed: true } });
  });

  it('refuses two orders of one file carrying the same payment', () => {
    const ctx = testContext();
    const scenario = readExample('network-basic.json');
    scenario.orders.push(copyOfW1001('W-9001'));
    const r = callApi(ctx, 'scenario.import', { scenario });
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid_scenario' } });
    if (r.ok) return;
    expect(r.error.issues).toContainEqual({ path: 'orders[5].payments[0].id', code: 'duplicate_payment', message: expect.stringContaining('orders[0].payments[0].id') });
    expect(ctx.db.prepare('SELECT count(*) FROM orders').pluck().get()).toBe(0);
  });
});
