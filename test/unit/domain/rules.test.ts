import { describe, expect, it } from 'vitest';
import { settleScenario } from '../../../core/domain/settle.js';
import { compileRule, groupRules, selectRule, type LineFacts } from '../../../core/domain/rules.js';
import { parseScenario } from '../../../core/domain/scenario.js';
import { line, mini, miniNetwork, order, rule } from './fixtures.js';

const AS_OF = '2026-04-30T00:00:00Z';
const facts = (over: Partial<LineFacts> = {}): LineFacts => ({
  createdMs: Date.parse('2026-03-02T09:00:00Z'), channel: 'web', deliveryMode: 'home_delivery', kind: 'goods', category: 'shoes',
  seller: 'A', owner: 'HQ', sellerRegion: 'AURA', ownerRegion: null, ...over,
});
const compile = (...rules: ReturnType<typeof rule>[]) => {
  const s = parseScenario({ format: 'ventil.scenario/1', network: miniNetwork(), rules });
  return groupRules(s.rules.map((r) => compileRule(r)));
};
const pick = (rules: ReturnType<typeof rule>[], f = facts()) => selectRule(compile(...rules)[0], f)?.ref ?? null;

describe('rule selection within a group', () => {
  it('takes the lowest priority among matching rules', () => {
    expect(pick([rule({ id: 'A', priority: 20 }), rule({ id: 'B', priority: 10 })])).toBe('B@1');
  });
  it('then the rule with more conditions', () => {
    expect(pick([rule({ id: 'A', when: { channel: ['web'] } }), rule({ id: 'B', when: { channel: ['web'], kind: ['goods'] } })])).toBe('B@1');
  });
  it('then the smallest id', () => {
    expect(pick([rule({ id: 'ZED', when: { kind: ['goods'] } }), rule({ id: 'ALPHA', when: { channel: ['web'] } })])).toBe('ALPHA@1');
  });
  it('ignores rules whose when does not match', () => {
    expect(pick([rule({ id: 'A', priority: 1, when: { channel: ['store'] } }), rule({ id: 'B', priority: 50 })])).toBe('B@1');
    expect(pick([rule({ id: 'A', when: { category: ['bags'] } })])).toBeNull();
    expect(pick([rule({ id: 'A', when: { category: [] } })])).toBeNull(); // an empty list matches nothing
  });
  it('matches seller and owner, their regions, and seller_is_owner', () => {
    expect(pick([rule({ when: { seller: ['A'], owner: ['HQ'] } })])).toBe('R@1');
    expect(pick([rule({ when: { seller_region: ['AURA'] } })])).toBe('R@1');
    expect(pick([rule({ when: { owner_region: ['AURA'] } })])).toBeNull(); // HQ has no region
    expect(pick([rule({ when: { seller_is_owner: false } })])).toBe('R@1');
    expect(pick([rule({ when: { seller_is_owner: true } })])).toBeNull();
    expect(pick([rule({ when: { seller_is_owner: true } })], facts({ seller: 'HQ' }))).toBe('R@1');
    expect(pick([rule({ when: { seller: ['A'] } })], facts({ seller: null }))).toBeNull();
  });
  it('uses the version valid at the order creation: valid_from inclusive, valid_to exclusive', () => {
    const v = [
      rule({ id: 'W', version: 1, valid_from: '2026-01-01', valid_to: '2026-02-15' }),
      rule({ id: 'W', version: 2, valid_from: '2026-02-15', valid_to: null }),
    ];
    expect(pick(v, facts({ createdMs: Date.parse('2026-02-14T23:59:59Z') }))).toBe('W@1');
    expect(pick(v, facts({ createdMs: Date.parse('2026-02-15T00:00:00Z') }))).toBe('W@2');
    expect(pick(v, facts({ createdMs: Date.parse('2025-12-31T23:59:59Z') }))).toBeNull();
  });
});

describe('groups and decisions', () => {
  it('stacks groups in name order and records the deciding rule even without legs', () => {
    const s = mini({
      rules: [
        rule({ id: 'ROY', group: 'royalty', priority: 100, legs: [{ to: 'platform', rate: '0.04' }] }),
        rule({ id: 'ROY-SHIP', group: 'royalty', priority: 1, when: { kind: ['shipping'] } }),
        rule({ id: 'COM', group: 'commission', legs: [{ to: 'seller', rate: '0.05' }] }),
      ],
      orders: [order({ customer_postcode: '59000', lines: [line(), line({ id: '2', kind: 'shipping', category: 'shipping', unit_price: 500 })] })],
    });
    const [goods, shipping] = settleScenario(s, AS_OF).orders[0].lines;
    expect(goods.legs.map((l) => l.rule)).toEqual(['COM@1', 'ROY@1']);
    expect(goods.decisions).toEqual([{ group: 'commission', rule: 'COM@1', legs: 1 }, { group: 'royalty', rule: 'ROY@1', legs: 1 }]);
    expect(shipping.legs.map((l) => l.rule)).toEqual(['COM@1']);
    expect(shipping.decisions).toContainEqual({ group: 'royalty', rule: 'ROY-SHIP@1', legs: 0 });
  });
  it('keeps the rule id@version of its creation time on every leg', () => {
    const s = mini({
      rules: [
        rule({ id: 'W', version: 1, valid_from: '2026-01-01', valid_to: '2026-03-01', legs: [{ to: 'platform', from: 'owner', rate: '0.05' }] }),
        rule({ id: 'W', version: 2, valid_from: '2026-03-01', valid_to: null, legs: [{ to: 'platform', rate: '0.06' }] }),
      ],
      orders: [order({ id: 'OLD', created_at: '2026-02-20T10:00:00Z', lines: [line({ candidates: ['SA1'] })] }), order({ id: 'NEW', lines: [line({ candidates: ['SA1'] })] })],
    });
    const [old, recent] = settleScenario(s, AS_OF).orders;
    expect(old.lines[0].legs[0]).toMatchObject({ rule: 'W@1', rate: '0.05', amount: 500 });
    expect(recent.lines[0].legs[0]).toMatchObject({ rule: 'W@2', rate: '0.06', amount: 600 });
  });
});
