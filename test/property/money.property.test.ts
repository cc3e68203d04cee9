// Properties of round, spread and the exact rate arithmetic, checked against decimal.js.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyRate, Dec, includedVat, mulDivRound, parseRate, round, spread } from '../../core/domain/money.js';
import { reversedTotal } from '../../core/domain/reversals.js';

const RUNS = Number(process.env.VENTIL_PROPERTY_RUNS ?? 150) * 4;
const amount = fc.oneof(fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.integer({ min: -Math.floor(Number.MAX_SAFE_INTEGER / 8), max: Math.floor(Number.MAX_SAFE_INTEGER / 8) }));
const rateText = fc.oneof(
  fc.constantFrom('0', '1', '0.20', '0.055', '0.0625', '0.021'),
  fc.tuple(fc.integer({ min: 0, max: 99999999 }), fc.integer({ min: 1, max: 12 })).map(([n, d]) => {
    const s = String(n).padStart(d, '0').slice(-d);
    return `0.${s}`;
  }),
);

describe('exact arithmetic agrees with decimal.js', () => {
  it('refuses a result beyond 2^53 instead of rounding it silently', () => {
    expect(() => mulDivRound(-20244354665, 444924, 1)).toThrow(/safe integer/);
  });
  it('applyRate(a, r) = round(a × r)', () => {
    fc.assert(fc.property(amount, rateText, (a, r) => {
      expect(applyRate(a, parseRate(r))).toBe(round(new Dec(a).times(r)));
    }), { numRuns: RUNS });
  });
  it('includedVat(g, r) = round(g × r / (1 + r))', () => {
    fc.assert(fc.property(amount, rateText, (g, r) => {
      const exact = new Dec(g).times(r).div(new Dec(1).plus(r));
      // decimal.js divides to 64 significant digits: far more than any amount here needs.
      expect(includedVat(g, parseRate(r))).toBe(round(exact));
    }), { numRuns: RUNS });
  });
  it('mulDivRound(a, n, d) = round(a × n / d), halves away from zero', () => {
    fc.assert(fc.property(amount, fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 1, max: 1_000_000 }), (a, n, d) => {
      fc.pre(Math.abs(a) * (n / d) < 2 ** 52); // results are amounts: within 2^53
      expect(mulDivRound(a, n, d)).toBe(round(new Dec(a).times(n).div(d)));
    }), { numRuns: RUNS });
  });
});

describe('spread', () => {
  const weights = fc.array(fc.oneof(fc.nat(1000), fc.nat(10_000_000_000)), { minLength: 1, maxLength: 12 });
  it('parts add up to the amount and stay within one unit of the exact share', () => {
    fc.assert(fc.property(amount, weights, (a, w) => {
      const parts = spread(a, w);
      expect(parts).toHaveLength(w.length);
      expect(parts.reduce((s, p) => s + p, 0)).toBe(a);
      const total = w.reduce((s, x) => s + x, 0);
      const eff = total === 0 ? w.map(() => 1) : w;
      const W = total === 0 ? w.length : total;
      parts.forEach((p, i) => {
        const exact = new Dec(a).times(eff[i]).div(W);
        const lo = a >= 0 ? exact.floor() : exact.ceil().minus(1);
        expect(p >= lo.toNumber() && p <= lo.toNumber() + 1, `${p} vs ${exact.toString()}`).toBe(true);
        expect(new Dec(p).minus(exact).abs().lt(1)).toBe(true);
        if (a >= 0) expect(p).toBeGreaterThanOrEqual(0);
      });
    }), { numRuns: RUNS });
  });
  it('is symmetric for negative amounts and gives leftovers to the largest remainders, ties first', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1_000_000 }), weights, (a, w) => {
      expect(spread(-a, w)).toEqual(spread(a, w).map((x) => (x === 0 ? 0 : -x)));
      const total = w.reduce((s, x) => s + x, 0);
      if (total === 0) return;
      const parts = spread(a, w);
      const rem = w.map((x) => new Dec(a).times(x).mod(total));
      const bumped = parts.map((p, i) => p - new Dec(a).times(w[i]).div(total).floor().toNumber());
      // Every item that got a unit has a remainder at least as large as every item that did not,
      // and on equal remainders the earlier item is the one served.
      for (let i = 0; i < w.length; i++) for (let j = 0; j < w.length; j++) {
        if (bumped[i] === 1 && bumped[j] === 0) {
          expect(rem[i].gte(rem[j])).toBe(true);
          if (rem[i].eq(rem[j])) expect(i).toBeLessThan(j);
        }
      }
    }), { numRuns: RUNS });
  });
});

describe('cumulative reversals', () => {
  it('grow with the units refunded, never exceed the original, end exactly on it', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 1, max: 50 }), (a, q) => {
      let prev = 0;
      for (let k = 0; k <= q; k++) {
        const r = reversedTotal(a, k, q);
        expect(r).toBeGreaterThanOrEqual(prev);
        expect(r).toBeLessThanOrEqual(a);
        prev = r;
      }
      expect(prev).toBe(a);
    }), { numRuns: RUNS });
  });
});
