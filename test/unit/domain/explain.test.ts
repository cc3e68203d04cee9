import { describe, expect, it } from 'vitest';
import { explain, explainPayout, formatExplanation } from '../../../core/domain/explain.js';
import { settleScenario } from '../../../core/domain/settle.js';
import { example } from './fixtures.js';

const basic = settleScenario(example('network-basic'), '2026-03-20T00:00:00Z').orders;
const varied = settleScenario(example('network-varied'), '2026-04-01T00:00:00Z').orders;
const byId = (os: typeof basic, id: string) => os.find((o) => o.id === id)!;

describe('explain', () => {
  it('W-1001 line 1: why LYON gets 6.00 €', () => {
    const e = explain(byId(basic, 'W-1001'), '1', 'LYON');
    expect(e.roles).toEqual(['catchment', 'seller']);
    expect(e.total).toBe(600);
    expect(e.contributions).toEqual([
      expect.objectContaining({ kind: 'leg', rule: 'WEB-HOME@1', role: 'seller', counterparty: 'HQ', base: 10000, rate: '0.05', formula: 'net base: round(10000 × 0.05) = 500', amount: 500 }),
      expect.objectContaining({ kind: 'leg_vat', rule: 'WEB-HOME@1', formula: 'VAT on commission: round(500 × 0.20) = 100', amount: 100 }),
    ]);
    expect(e.line_formula).toBe('gross 12000; VAT = round(12000 × 0.20 / (1 + 0.20)) = round(2000) = 2000; net = 10000');
    // The same computations as numbers, for the views to word in the user's language.
    expect(e.line_calc).toEqual({ gross: 12000, vat_rate: '0.20', vat: 2000, net: 10000 });
    expect(e.contributions.map((c) => c.calc)).toEqual([
      { op: 'leg', base_kind: 'net', base: 10000, rate: '0.05', computed: 500, per_unit: 0, quantity: expect.any(Number), value: 500, min: null, max: null, result: 500 },
      { op: 'vat', base: 500, rate: '0.20', result: 100 },
    ]);
  });

  it('W-1001 line 1 for HQ: gross, the commission it pays, the void royalty', () => {
    const e = explain(byId(basic, 'W-1001'), '1', 'HQ');
    expect(e.contributions.map((c) => [c.kind, c.amount])).toEqual([['gross', 12000], ['leg', -500], ['leg_vat', -100], ['void_leg', 0]]);
    expect(e.contributions[3]).toMatchObject({ rule: 'ROYALTY@1', void: 'same_entity' });
    expect(e.total).toBe(11400);
  });

  it('shows rounding with the exact value (O-00000 seller leg: 18985 × 0.0625)', () => {
    const e = explain(byId(varied, 'O-00000'), '1', 'F05');
    expect(e.contributions[0]).toMatchObject({ exact: '1186.5625', formula: 'net base: round(18985 × 0.0625) = 1187', amount: 1187 });
  });

  it('shows minimums, per-unit amounts and fee shares', () => {
    const cancelled = explain(byId(varied, 'O-00006'), '2', 'F00');
    expect(cancelled.contributions[0].formula).toBe('net base: round(408 × 0.1) = 41, raised to min 200 → 200');
    expect(cancelled.total).toBe(0); // reversed by the cancellation
    const shipper = explain(byId(varied, 'O-00003'), '2', 'F09');
    expect(shipper.contributions.find((c) => c.kind === 'void_leg' && c.role === 'shipper')?.formula).toMatch(/^round\(7498 × 0\) \+ 95 × 2 = 190; void/);
    expect(shipper.contributions.find((c) => c.kind === 'fee_share')).toMatchObject({ amount: -110 });
  });

  it('lists each reversal step (O-00014 line 2, 2 then 2 of 5 units returned)', () => {
    const e = explain(byId(varied, 'O-00014'), '2', 'F09');
    const steps = e.contributions.filter((c) => c.kind === 'reversal');
    expect(steps.map((c) => c.amount)).toEqual([-54, -55, -11, -11]);
    expect(steps[1].formula).toBe('return of 2 on 2026-02-10T13:08:00Z: commission CC@1 reversed round(136 × 4/5) − round(136 × 2/5) = 55');
    expect(steps[1].calc).toMatchObject({ op: 'reversal', what: 'commission', event: 'return', units: 2, at: '2026-02-10T13:08:00Z', amount: 136, before: 2, after: 4, quantity: 5, result: 55 });
    expect(e.total).toBe(32);
  });

  it('contributions add up to every payout of both examples', () => {
    for (const os of [...basic, ...varied]) {
      for (const [entity, payout] of Object.entries(os.payouts)) {
        const p = explainPayout(os, entity);
        expect(p.total, `${os.id} ${entity}`).toBe(payout);
        for (const l of p.lines) expect(l.contributions.reduce((s, c) => s + c.amount, 0)).toBe(l.total);
      }
    }
  });

  it('renders as text with currency amounts', () => {
    const text = formatExplanation(explainPayout(byId(basic, 'W-1001'), 'HQ'));
    expect(text).toContain('Payout of HQ on order W-1001: 118.44 EUR');
    expect(text).toContain('PSP fees of the order, borne by the platform: 296');
  });

  it('refuses an unknown line', () => {
    expect(() => explain(basic[0], '99', 'HQ')).toThrow(/no line/);
  });
});
