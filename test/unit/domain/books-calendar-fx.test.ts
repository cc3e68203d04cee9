// Dates of the books (Paris accounting dates, fiscal years, periods, closed periods) and the
// conversion of entries to a book currency.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { accountingDate, fiscalYearOf, firstOpenDate, monthsOf, parsePeriod, PeriodError } from '../../../core/domain/books-calendar.js';
import { convertBalanced, findRate } from '../../../core/domain/books-fx.js';

describe('accounting dates in Paris time', () => {
  it('moves late UTC evenings to the next day, winter (+1) and summer (+2)', () => {
    expect(accountingDate('2026-03-02T09:15:00Z')).toBe('2026-03-02');
    expect(accountingDate('2026-01-31T23:30:00Z')).toBe('2026-02-01');
    expect(accountingDate('2026-07-31T21:59:59Z')).toBe('2026-07-31');
    expect(accountingDate('2026-07-31T22:00:00Z')).toBe('2026-08-01');
    // the switch to summer time: last Sunday of March 2026 is the 29th, 01:00 UTC
    expect(accountingDate('2026-03-28T22:59:00Z')).toBe('2026-03-28');
    expect(accountingDate('2026-03-29T22:30:00Z')).toBe('2026-03-30');
    expect(accountingDate('2026-10-25T22:30:00Z')).toBe('2026-10-25'); // back to +1 on the 25th
  });

  it('agrees with the time zone database', () => {
    const fmt = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' });
    fc.assert(fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2037, 0, 1) }), (ms) => {
      const iso = new Date(ms - (ms % 1000)).toISOString().replace('.000Z', 'Z');
      expect(accountingDate(iso)).toBe(fmt.format(new Date(iso)));
    }), { numRuns: 2000 });
  });
});

describe('fiscal years and periods', () => {
  it('names a fiscal year by its closing year', () => {
    expect(fiscalYearOf('2026-03-05', '06-30')).toEqual({ name: '2026', start: '2025-07-01', end: '2026-06-30' });
    expect(fiscalYearOf('2026-07-01', '06-30')).toEqual({ name: '2027', start: '2026-07-01', end: '2027-06-30' });
    expect(fiscalYearOf('2026-12-31', '12-31')).toEqual({ name: '2026', start: '2026-01-01', end: '2026-12-31' });
    expect(fiscalYearOf('2024-02-29', '02-29')).toEqual({ name: '2024', start: '2023-03-01', end: '2024-02-29' });
    expect(fiscalYearOf('2025-02-28', '02-29')).toEqual({ name: '2025', start: '2024-03-01', end: '2025-02-28' });
  });

  it('parses periods and lists their months', () => {
    expect(parsePeriod('2026', '06-30')).toEqual({ name: '2026', kind: 'year', start: '2025-07-01', end: '2026-06-30' });
    expect(parsePeriod('2026-02', '12-31')).toEqual({ name: '2026-02', kind: 'month', start: '2026-02-01', end: '2026-02-28' });
    expect(monthsOf(parsePeriod('2026', '06-30'))).toEqual(['2025-07', '2025-08', '2025-09', '2025-10', '2025-11', '2025-12', '2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06']);
    expect(() => parsePeriod('2026-13', '12-31')).toThrow(PeriodError);
    expect(() => parsePeriod('Q1', '12-31')).toThrow(PeriodError);
  });

  it('sends an entry of a closed month to the first day of the next open one', () => {
    expect(firstOpenDate('2026-03-15', new Set())).toEqual({ date: '2026-03-15', shifted: false });
    expect(firstOpenDate('2026-03-15', new Set(['2026-03']))).toEqual({ date: '2026-04-01', shifted: true });
    expect(firstOpenDate('2026-11-15', new Set(['2026-11', '2026-12', '2027-01']))).toEqual({ date: '2027-02-01', shifted: true });
  });
});

describe('exchange rates', () => {
  const rates = [
    { date: '2026-03-01', from: 'JPY', to: 'EUR', rate: '0.0062' },
    { date: '2026-03-10', from: 'JPY', to: 'EUR', rate: '0.0061' },
    { date: '2026-03-05', from: 'EUR', to: 'USD', rate: '1.08' },
  ];

  it('takes the latest entry on or before the date, either way round', () => {
    expect(findRate(rates, 'JPY', 'EUR', '2026-02-28')).toBeNull();
    expect(findRate(rates, 'JPY', 'EUR', '2026-03-09')).toEqual({ rate: '0.0062', date: '2026-03-01', inverse: false });
    expect(findRate(rates, 'JPY', 'EUR', '2026-03-10')).toEqual({ rate: '0.0061', date: '2026-03-10', inverse: false });
    expect(findRate(rates, 'USD', 'EUR', '2026-03-20')).toMatchObject({ date: '2026-03-05', inverse: true });
  });

  it('converts line by line and keeps the entry balanced', () => {
    // 10001 JPY at 0.0062 EUR = 62.0062 EUR → 6201 cents, spread over the credit lines by largest remainder
    expect(convertBalanced([10001, -8334, -1667], 'JPY', 'EUR', '0.0062')).toEqual([6201, -5167, -1034]) // 5167.48 and 1033.60: the unit left goes to 1033.60;
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 10_000_000 }), { minLength: 1, maxLength: 6 }), fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 6 }),
      fc.constantFrom('0.0062', '1.08', '0.925', '161.5', '1'), fc.constantFrom(['EUR', 'EUR'], ['JPY', 'EUR'], ['EUR', 'JPY'], ['EUR', 'BHD']),
      (debits, weights, rate, [from, to]) => {
        const total = debits.reduce((s, d) => s + d, 0);
        const credits = weights.length === 1 ? [total] : (() => {
          const W = weights.reduce((s, w) => s + w, 0);
          const parts = weights.map((w) => Math.floor((total * w) / W));
          parts[0]! += total - parts.reduce((s, p) => s + p, 0);
          return parts;
        })();
        const amounts = [...debits, ...credits.map((c) => -c)];
        const out = convertBalanced(amounts, from!, to!, rate);
        expect(out.reduce((s, a) => s + a, 0)).toBe(0);
        out.forEach((a, i) => expect(Math.sign(a) === Math.sign(amounts[i]!) || a === 0).toBe(true));
      }), { numRuns: 500 });
  });
});
