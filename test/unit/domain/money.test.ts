import Decimal from 'decimal.js';
import { describe, expect, it } from 'vitest';
import {
  applyRate, currencyExponent, Dec, formatMinor, includedVat, isUnitRateString, mulDivRound, parseRate, rateOf, round, spread,
} from '../../../core/domain/money.js';

describe('round', () => {
  it('rounds halves away from zero', () => {
    expect(round(new Dec('500.5'))).toBe(501);
    expect(round(new Dec('-500.5'))).toBe(-501);
    expect(round(new Dec('2.5'))).toBe(3);
    expect(round(new Dec('-2.5'))).toBe(-3);
    expect(round(new Dec('0.5'))).toBe(1);
    expect(round(new Dec('-0.5'))).toBe(-1);
  });
  it('rounds other fractions to the nearest integer', () => {
    expect(round(new Dec('1186.5625'))).toBe(1187);
    expect(round(new Dec('664.475'))).toBe(664);
    expect(round(new Dec('0.4999999999'))).toBe(0);
    expect(round(new Dec('-0.4999999999'))).toBe(0);
    expect(Object.is(round(new Dec('-0.4')), 0)).toBe(true); // never -0
  });
  it('accepts a plain decimal.js value and refuses amounts beyond 2^53', () => {
    expect(round(new Decimal('10.5'))).toBe(11);
    expect(() => round(new Dec('9007199254740993'))).toThrow(/safe integer/);
  });
});

describe('rates', () => {
  it('parses decimal strings exactly', () => {
    expect(rateOf('0.20').equals(new Decimal('0.2'))).toBe(true);
    const r = parseRate('0.0625');
    expect([r.num, r.den, r.n, r.d, r.text]).toEqual([625n, 10000n, 625, 10000, '0.0625']);
  });
  it('refuses anything but a plain decimal string', () => {
    for (const bad of ['1e-2', '.5', '-0.1', '0,2', ' 0.2', '0.2 ', '', '+0.1', 'NaN']) expect(() => rateOf(bad)).toThrow();
  });
  it('knows the [0, 1] range', () => {
    expect(isUnitRateString('0')).toBe(true);
    expect(isUnitRateString('1.000')).toBe(true);
    expect(isUnitRateString('1.0001')).toBe(false);
    expect(isUnitRateString('2')).toBe(false);
  });
});

describe('exact products', () => {
  it('takes the VAT included in a gross: product first, exact division (3003 at 20% → 501)', () => {
    expect(includedVat(3003, parseRate('0.20'))).toBe(501); // 500.5 exactly
    expect(includedVat(12000, parseRate('0.20'))).toBe(2000);
    expect(includedVat(8497, parseRate('0.20'))).toBe(1416);
    expect(includedVat(8775, parseRate('0.021'))).toBe(180);
    expect(includedVat(39606, parseRate('0.055'))).toBe(2065);
    expect(includedVat(7498, parseRate('0'))).toBe(0);
    expect(includedVat(-3003, parseRate('0.20'))).toBe(-501);
  });
  it('multiplies by a rate with half-away rounding', () => {
    expect(applyRate(18985, parseRate('0.0625'))).toBe(1187);
    expect(applyRate(18985, parseRate('0.035'))).toBe(664);
    expect(applyRate(375, parseRate('0.5'))).toBe(188);
    expect(applyRate(-375, parseRate('0.5'))).toBe(-188);
  });
  it('stays exact beyond 2^53 intermediate products (BigInt path)', () => {
    expect(applyRate(Number.MAX_SAFE_INTEGER, parseRate('0.5'))).toBe(4503599627370496);
    expect(mulDivRound(9_000_000_000_000_000 / 1000, 999_999, 1_000_000)).toBe(8999991000000);
    expect(applyRate(123456789, parseRate('0.123456789012345678901'))).toBe(
      round(new Dec(123456789).times('0.123456789012345678901')),
    );
  });
});

describe('spread', () => {
  it('splits by largest remainder (the order discount of O-00001: 11 over 7840 and 3644)', () => {
    expect(spread(11, [7840, 3644])).toEqual([8, 3]);
  });
  it('spreads PSP fees by gross (O-00002: 274 over three lines)', () => {
    expect(spread(274, [8775, 22995, 490])).toEqual([75, 195, 4]);
  });
  it('gives ties to the earlier item', () => {
    expect(spread(1, [1, 1])).toEqual([1, 0]);
    expect(spread(2, [1, 1, 1])).toEqual([1, 1, 0]);
    expect(spread(5, [2, 2, 2, 2])).toEqual([2, 1, 1, 1]);
  });
  it('mirrors negative amounts', () => {
    expect(spread(-11, [7840, 3644])).toEqual([-8, -3]);
    expect(spread(-1, [1, 1])).toEqual([-1, 0]);
    expect(spread(-1, [1, 1]).every((x) => !Object.is(x, -0))).toBe(true);
  });
  it('treats all-zero weights as equal weights', () => {
    expect(spread(5, [0, 0])).toEqual([3, 2]);
    expect(spread(0, [0, 0, 0])).toEqual([0, 0, 0]);
  });
  it('gives nothing to zero weights when others are positive', () => {
    expect(spread(7, [0, 3, 0, 4])).toEqual([0, 3, 0, 4]);
  });
  it('handles no weights only for a zero amount', () => {
    expect(spread(0, [])).toEqual([]);
    expect(() => spread(1, [])).toThrow();
  });
  it('refuses negative or fractional weights and fractional amounts', () => {
    expect(() => spread(10, [1, -1])).toThrow();
    expect(() => spread(10, [1.5, 1])).toThrow();
    expect(() => spread(10.5, [1, 1])).toThrow();
  });
  it('stays exact when products exceed 2^53', () => {
    const parts = spread(9_000_000_000_000_000, [3, 3, 3]);
    expect(parts).toEqual([3_000_000_000_000_000, 3_000_000_000_000_000, 3_000_000_000_000_000]);
    const p2 = spread(8_999_999_999_999_999, [1_000_000_007, 2_000_000_011, 1]);
    expect(p2.reduce((a, b) => a + b, 0)).toBe(8_999_999_999_999_999);
  });
});

describe('currencies', () => {
  it('knows ISO 4217 exponents, 2 for unknown codes', () => {
    expect(currencyExponent('EUR')).toBe(2);
    expect(currencyExponent('JPY')).toBe(0);
    expect(currencyExponent('BHD')).toBe(3);
    expect(currencyExponent('KWD')).toBe(3);
    expect(currencyExponent('CLF')).toBe(4);
    expect(currencyExponent('XYZ')).toBe(2);
    expect(() => currencyExponent('eur')).toThrow();
  });
  it('formats minor units with the exponent', () => {
    expect(formatMinor(11844, 'EUR')).toBe('118.44');
    expect(formatMinor(5, 'EUR')).toBe('0.05');
    expect(formatMinor(-581, 'EUR')).toBe('-5.81');
    expect(formatMinor(2189567, 'JPY')).toBe('2189567');
    expect(formatMinor(1234, 'BHD')).toBe('1.234');
    expect(formatMinor(0, 'EUR')).toBe('0.00');
  });
});
