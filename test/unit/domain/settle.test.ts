import { describe, expect, it } from 'vitest';
import { buildContext } from '../../../core/domain/context.js';
import { spread } from '../../../core/domain/money.js';
import { reversalStep, reversedTotal } from '../../../core/domain/reversals.js';
import { ValidationError } from '../../../core/domain/scenario.js';
import { checkConservation, defaultAsOf, settle, settleOrder, settleScenario } from '../../../core/domain/settle.js';
import { example, line, mini, order, rule } from './fixtures.js';

const BASIC_AS_OF = '2026-03-20T00:00:00Z';
const VARIED_AS_OF = '2026-04-01T00:00:00Z';

describe('cumulative reversals', () => {
  it('reverses round(a × k / Q) in total, a step the difference', () => {
    expect(reversedTotal(136, 2, 5)).toBe(54);
    expect(reversedTotal(136, 4, 5)).toBe(109);
    expect(reversalStep(136, 2, 4, 5)).toBe(55);
    expect(reversedTotal(375, 1, 2)).toBe(188);
    expect(reversedTotal(375, 2, 2)).toBe(375);
    expect(reversedTotal(375, 0, 2)).toBe(0);
  });

  it('W-1002: one of two units returned halves every amount (basic example)', () => {
    const os = settleScenario(example('network-basic'), BASIC_AS_OF).orders.find((o) => o.id === 'W-1002')!;
    const l = os.lines[0];
    expect(l.detail).toMatchObject({ reversed_units: 1, reversed_gross: 4500, reversed_vat: 750, reversed_net: 3750 });
    expect(l.legs.map((g) => [g.reversed_amount, g.reversed_vat])).toEqual([[188, 38], [150, 30]]);
    expect(os.payouts).toEqual({ HQ: 29, LYON: 224, VILL: 4096 });
    expect(os.refunded).toBe(4500);
  });

  it('O-00014: returns in two steps (2 then 2 of 5 units)', () => {
    const os = settleScenario(example('network-varied'), VARIED_AS_OF).orders.find((o) => o.id === 'O-00014')!;
    const l = os.lines[1];
    expect(l.returned).toBe(4);
    expect(l.refunded).toBe(1362);
    expect(l.detail.return_steps.map((s) => s.quantity)).toEqual([2, 2]);
    expect(l.legs[0]).toMatchObject({ amount: 136, vat: 27, reversed_amount: 109, reversed_vat: 22 });
    expect(os.payouts.F09).toBe(32);
  });

  it('a full return reverses everything exactly; only the fee stays', () => {
    const s = mini({
      network: { psp_fee_bearer: 'owners_pro_rata' },
      rules: [rule({ legs: [{ to: 'seller', rate: '0.0333' }, { to: 'platform', rate: '0.0417' }] })],
      orders: [order({ customer_postcode: '59000', lines: [line({ quantity: 3, unit_price: 3333, candidates: ['SA1'] })], payments: [{ id: 'P', amount: 9999, psp_fee: 150, captured_at: '2026-03-02T09:00:00Z' }] })],
      events: [
        { type: 'line_delivered', order: 'O1', line: '1', at: '2026-03-03T10:00:00Z' },
        { type: 'line_returned', order: 'O1', line: '1', quantity: 1, at: '2026-03-04T10:00:00Z' },
        { type: 'line_returned', order: 'O1', line: '1', quantity: 1, at: '2026-03-05T10:00:00Z' },
        { type: 'line_returned', order: 'O1', line: '1', quantity: 1, at: '2026-03-06T10:00:00Z' },
      ],
    });
    const os = settleScenario(s, '2026-04-30T00:00:00Z').orders[0];
    expect(os.lines[0].status).toBe('returned');
    expect(os.lines[0].legs.every((g) => g.reversed_amount === g.amount && g.reversed_vat === g.vat)).toBe(true);
    expect(os.payouts).toEqual({ A: -150, B: 0, HQ: 0 });
    expect(os.refunded).toBe(9999);
    expect(os.warnings).toContainEqual(expect.objectContaining({ code: 'negative_payout', entity: 'A' }));
  });

  it('a cancellation refunds the whole line and reverses its legs', () => {
    const os = settleScenario(example('network-basic'), BASIC_AS_OF).orders.find((o) => o.id === 'W-1003')!;
    const l = os.lines[1];
    expect(l).toMatchObject({ status: 'cancelled', refunded: 1290, returned: 0 });
    expect(l.legs[1]).toMatchObject({ amount: 43, vat: 9, reversed_amount: 43, reversed_vat: 9 });
  });

  it('spreads the customer refund over payments in proportion to their amounts', () => {
    const os = settleScenario(example('network-varied'), VARIED_AS_OF).orders.find((o) => o.id === 'O-00002')!;
    expect(os.refunded).toBe(23485);
    expect(os.refunds).toEqual([
      { payment: 'P2a', amount: spread(23485, [14472, 17788])[0] },
      { payment: 'P2b', amount: spread(23485, [14472, 17788])[1] },
    ]);
    expect(os.refunds[0].amount + os.refunds[1].amount).toBe(23485);
  });
});

describe('PSP fees', () => {
  it('are borne by the platform by default', () => {
    const os = settleScenario(example('network-basic'), BASIC_AS_OF).orders[0];
    expect(os.lines.every((l) => l.fee_share === 0)).toBe(true);
    expect(os.platform_fees).toBe(296);
  });
  it('owners_pro_rata: spread by gross over all lines; a cancelled line share falls to the platform', () => {
    const os = settleScenario(example('network-varied'), VARIED_AS_OF).orders.find((o) => o.id === 'O-00002')!;
    expect(os.lines.map((l) => l.fee_share)).toEqual([75, 0, 0]);
    expect(os.lines.map((l) => l.detail.fee_to_platform)).toEqual([0, 195, 4]);
    expect(os.payouts).toEqual({ F05: 0, F09: 7823, F11: 516, HQ: 162 });
  });
});

describe('escrow', () => {
  it('holds a line until delivery + return window; fees count as released at capture', () => {
    const os = settleScenario(example('network-basic'), BASIC_AS_OF).orders.find((o) => o.id === 'EA-2001')!;
    expect(os.escrow).toEqual({ HQ: { held: 7647, released: -144 }, LILLE: { held: 850, released: 0 } });
  });
  it('releases exactly at delivery + window (inclusive)', () => {
    const s = mini({ orders: [order()], events: [{ type: 'line_delivered', order: 'O1', line: '1', at: '2026-03-05T12:00:00Z' }] });
    const before = settleScenario(s, '2026-03-19T11:59:59Z').orders[0];
    const at = settleScenario(s, '2026-03-19T12:00:00Z').orders[0];
    expect(before.escrow.HQ).toEqual({ held: 12000, released: 0 });
    expect(at.escrow.HQ).toEqual({ held: 0, released: 12000 });
    expect(at.lines[0].detail.release_at).toBe('2026-03-19T12:00:00Z');
  });
  it('releases in-store sales from created_at', () => {
    const os = settleScenario(example('network-basic'), BASIC_AS_OF).orders.find((o) => o.id === 'S-3001')!;
    expect(os.lines[0].status).toBe('fulfilled');
    expect(os.escrow).toEqual({ HQ: { held: 0, released: 63 }, LYON: { held: 0, released: 2390 } });
  });
});

describe('conservation and checks', () => {
  it('holds for every order of both examples', () => {
    for (const [name, asOf] of [['network-basic', BASIC_AS_OF], ['network-varied', VARIED_AS_OF]] as const) {
      for (const os of settleScenario(example(name), asOf).orders) {
        const c = checkConservation(os);
        expect(c.ok, `${name} ${os.id}`).toBe(true);
        expect(c.payouts + c.psp_fees + c.refunded).toBe(c.captured);
      }
    }
  });
  it('flags a settlement that does not balance', () => {
    const os = settleScenario(example('network-basic'), BASIC_AS_OF).orders[0];
    expect(checkConservation({ ...os, payouts: { ...os.payouts, HQ: os.payouts.HQ + 1 } })).toMatchObject({ ok: false, difference: -1 });
  });
  it('refuses an order whose payments do not add up', () => {
    const s = mini({});
    const ctx = buildContext(s.network, s.rules);
    const bad = { ...s.orders[0], payments: [{ ...s.orders[0].payments[0], amount: 11999 }] };
    expect(() => settleOrder(ctx, bad, [], '2026-04-01T00:00:00Z')).toThrow(ValidationError);
  });
  it('lists a negative payout in warnings (O-00011)', () => {
    const os = settleScenario(example('network-varied'), VARIED_AS_OF).orders.find((o) => o.id === 'O-00011')!;
    expect(os.payouts.F04).toBe(-581);
    expect(os.warnings).toEqual([expect.objectContaining({ code: 'negative_payout', entity: 'F04' })]);
  });
});

describe('settle', () => {
  it('defaults as_of to the latest creation, capture or event time', () => {
    expect(defaultAsOf(example('network-basic'))).toBe('2026-03-10T14:00:00Z');
    expect(settle(example('network-basic')).as_of).toBe('2026-03-10T14:00:00Z');
  });
  it('leaves out orders created after as_of and ignores later events', () => {
    const r = settle(example('network-basic'), '2026-03-04T00:00:00Z');
    expect(r.orders.map((o) => o.id)).toEqual(['W-1001', 'W-1002']);
    expect(r.orders[1].refunded).toBe(0);
  });
  it('writes totals per currency, entities sorted', () => {
    const r = settle(example('network-varied'), VARIED_AS_OF);
    expect(Object.keys(r.totals)).toEqual(['EUR', 'JPY']);
    expect(Object.keys(r.totals.EUR.payouts)).toEqual([...Object.keys(r.totals.EUR.payouts)].sort());
  });
});
