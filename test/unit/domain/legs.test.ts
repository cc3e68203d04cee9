import { describe, expect, it } from 'vitest';
import { settleScenario } from '../../../core/domain/settle.js';
import { line, mini, order, rule } from './fixtures.js';

const AS_OF = '2026-04-30T00:00:00Z';
const legsOf = (legs: NonNullable<Parameters<typeof rule>[0]>['legs'], l = line({ candidates: ['SA1'] }), o: Partial<Parameters<typeof order>[0]> = {}) =>
  settleScenario(mini({ rules: [rule({ legs })], orders: [order({ customer_postcode: '59000', ...o, lines: [l] })] }), AS_OF).orders[0].lines[0].legs;

describe('leg amounts', () => {
  it('amount = round(base × rate), VAT = round(amount × commission VAT rate)', () => {
    // gross 12000, VAT 2000, net 10000
    expect(legsOf([{ to: 'seller', rate: '0.05' }])[0]).toMatchObject({ base: 10000, rate: '0.05', amount: 500, vat: 100, to: 'B', from: 'A', void: null });
    expect(legsOf([{ to: 'seller', rate: '0.05', base: 'gross' }])[0]).toMatchObject({ base: 12000, amount: 600, vat: 120 });
  });
  it('adds per_unit × quantity', () => {
    const [leg] = legsOf([{ to: 'seller', rate: '0.01', per_unit: 95 }], line({ candidates: ['SA1'], quantity: 3, unit_price: 4000 }));
    expect(leg).toMatchObject({ base: 10000, amount: 100 + 285, computed: 100, vat: 77 });
  });
  it('clamps to min and max', () => {
    expect(legsOf([{ to: 'seller', rate: '0.001', min: 200 }])[0]).toMatchObject({ computed: 10, amount: 200, vat: 40 });
    expect(legsOf([{ to: 'seller', rate: '0.5', max: 900 }])[0]).toMatchObject({ computed: 5000, amount: 900, vat: 180 });
    expect(legsOf([{ to: 'seller', rate: '0.05', min: 100, max: 900 }])[0]).toMatchObject({ amount: 500 });
  });
  it('uses the network commission VAT rate', () => {
    const s = mini({ network: { commission_vat_rate: '0.10' }, rules: [rule({ legs: [{ to: 'seller', rate: '0.05' }] })], orders: [order({ customer_postcode: '59000', lines: [line({ candidates: ['SA1'] })] })] });
    expect(settleScenario(s, AS_OF).orders[0].lines[0].legs[0]).toMatchObject({ amount: 500, vat: 50 });
  });
  it('pays to a named entity and from a chosen role', () => {
    const [leg] = legsOf([{ to: 'entity:L', from: 'seller', rate: '0.01', base: 'gross' }]);
    expect(leg).toMatchObject({ to_role: 'entity:L', to: 'L', from: 'B', amount: 120, vat: 24, void: null });
  });
});

describe('void legs', () => {
  it('same entity on both ends moves nothing but keeps its amounts', () => {
    const s = mini({ rules: [rule({ legs: [{ to: 'platform', rate: '0.04' }] })] }); // owner HQ (WH), platform HQ
    const os = settleScenario(s, AS_OF).orders[0];
    expect(os.lines[0].legs[0]).toMatchObject({ to: 'HQ', from: 'HQ', amount: 400, vat: 80, void: 'same_entity' });
    expect(os.payouts).toEqual({ HQ: 12000 });
  });
  it('an end that does not resolve voids the leg', () => {
    const os = settleScenario(mini({ rules: [rule({ legs: [{ to: 'pickup', rate: '0.08' }, { to: 'catchment', rate: '0.01' }] })] }), AS_OF).orders[0];
    expect(os.lines[0].legs.map((l) => [l.to, l.void])).toEqual([[null, 'unresolved'], [null, 'unresolved']]);
    expect(os.payouts).toEqual({ HQ: 12000 });
  });
  it('the payer of a live leg is debited amount + VAT, the beneficiary credited', () => {
    const os = settleScenario(mini({ rules: [rule({ legs: [{ to: 'seller', rate: '0.05' }] })], orders: [order({ customer_postcode: '59000' })] }), AS_OF).orders[0];
    expect(os.payouts).toEqual({ B: 600, HQ: 11400 });
  });
});
