import { describe, expect, it } from 'vitest';
import { buildContext } from '../../../core/domain/context.js';
import { catchmentLocation, lineRoles, orderRoles } from '../../../core/domain/roles.js';
import { settleScenario } from '../../../core/domain/settle.js';
import { line, mini, order, rule } from './fixtures.js';

const AS_OF = '2026-04-30T00:00:00Z';

function rolesOf(s: ReturnType<typeof mini>, lineIndex = 0) {
  const ctx = buildContext(s.network, s.rules);
  const o = s.orders[0];
  const l = o.lines[lineIndex];
  return lineRoles(ctx, o, l, l.candidates[0], orderRoles(ctx, o));
}

describe('catchment', () => {
  const ctx = buildContext(mini({}).network, []);
  it('takes the longest matching prefix', () => {
    expect(catchmentLocation(ctx, '69002')).toBe('SA2'); // 690 beats 69
    expect(catchmentLocation(ctx, '69100')).toBe('SA1');
    expect(catchmentLocation(ctx, '59800')).toBe('SB');
  });
  it('finds nothing without a match or a postcode', () => {
    expect(catchmentLocation(ctx, '75001')).toBeNull();
    expect(catchmentLocation(ctx, null)).toBeNull();
    expect(catchmentLocation(ctx, '6')).toBeNull();
  });
  it('ignores spaces and case', () => {
    expect(catchmentLocation(ctx, ' 59 000 ')).toBe('SB');
  });
});

describe('roles of a line', () => {
  it('owner owns the fulfiller stock, shipper operates it', () => {
    const r = rolesOf(mini({}));
    expect(r.owner).toBe('HQ');
    expect(r.shipper).toBe('L');
    expect(r.platform).toBe('HQ');
  });
  it('pickup only for click and collect', () => {
    const cc = rolesOf(mini({ orders: [order({ lines: [line({ delivery_mode: 'click_and_collect', pickup_location: 'SB' })] })] }));
    expect(cc.pickup).toBe('B');
    expect(cc.seller).toBe('B'); // web: pickup first
    const home = rolesOf(mini({ orders: [order({ lines: [line({ pickup_location: 'SB' })] })] }));
    expect(home.pickup).toBeNull();
  });
  it('web seller: pickup, then catchment, then platform (default attribution)', () => {
    const r = rolesOf(mini({ orders: [order({ customer_postcode: '59800' })] }));
    expect(r.catchment).toBe('B');
    expect(r.seller).toBe('B');
    const none = rolesOf(mini({ orders: [order({ customer_postcode: '75001' })] }));
    expect(none.catchment).toBeNull();
    expect(none.seller).toBe('HQ');
  });
  it('web seller through shipper when the attribution says so', () => {
    const r = rolesOf(mini({ network: { web_attribution: ['pickup', 'catchment', 'shipper', 'platform'] }, orders: [order({ customer_postcode: null })] }));
    expect(r.seller).toBe('L');
  });
  it('store and endless aisle: the origin secures the sale', () => {
    const ea = rolesOf(mini({ orders: [order({ channel: 'endless_aisle', origin: 'SB', customer_postcode: '69002' })] }));
    expect(ea.origin).toBe('B');
    expect(ea.seller).toBe('B');
    expect(ea.catchment).toBe('A');
    const st = rolesOf(mini({ orders: [order({ channel: 'store', origin: 'SA1', lines: [line({ delivery_mode: 'in_store', candidates: ['SA1'] })] })] }));
    expect(st.seller).toBe('A');
    expect(st.owner).toBe('A');
  });
});

describe('roles across a reroute', () => {
  const rules = [rule({ id: 'WEB', legs: [{ to: 'seller', rate: '0.05' }] })];
  const events = (loc: string) => [
    { type: 'fulfilment_refused' as const, order: 'O1', line: '1', location: loc, reason: 'no_stock' as const, at: '2026-03-02T10:00:00Z' },
  ];

  it('a seller found through the catchment stays put; the owner follows the fulfiller', () => {
    const s = mini({ rules, orders: [order({ customer_postcode: '59000', lines: [line({ candidates: ['SA1', 'WH'] })] })], events: events('SA1') });
    const l = settleScenario(s, AS_OF).orders[0].lines[0];
    expect(l.fulfiller).toBe('WH');
    expect(l.roles.owner).toBe('HQ');
    expect(l.roles.seller).toBe('B');
    expect(l.legs[0]).toMatchObject({ to: 'B', from: 'HQ', void: null });
  });
  it('a seller found through the shipper follows the final fulfiller', () => {
    const s = mini({
      network: { web_attribution: ['shipper', 'platform'] }, rules,
      orders: [order({ lines: [line({ candidates: ['SA1', 'SB'] })] })], events: events('SA1'),
    });
    const l = settleScenario(s, AS_OF).orders[0].lines[0];
    expect(l.fulfiller).toBe('SB');
    expect(l.roles.seller).toBe('B');
    expect(l.roles.shipper).toBe('B');
    expect(l.legs[0].void).toBe('same_entity');
  });
  it('click and collect keeps its pickup store when the line is rerouted', () => {
    const s = mini({
      rules: [rule({ id: 'CC', legs: [{ to: 'pickup', rate: '0.08' }] })],
      orders: [order({ lines: [line({ delivery_mode: 'click_and_collect', pickup_location: 'SB', candidates: ['SB', 'SA1'] })] })],
      events: events('SB'),
    });
    const l = settleScenario(s, AS_OF).orders[0].lines[0];
    expect(l.fulfiller).toBe('SA1');
    expect(l.roles.pickup).toBe('B');
    expect(l.legs[0]).toMatchObject({ to: 'B', from: 'A', amount: 800, vat: 160, void: null });
  });
});
