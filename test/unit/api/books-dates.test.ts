// The dates books-compute.ts caches per pair of strings (a zone and a date, a fiscal year end and
// a date): each pair keeps its own value, whichever pair came first.
import { describe, expect, it } from 'vitest';
import { fiscalYearName, validAt } from '../../../core/api/books-compute.js';
import { fiscalYearOf } from '../../../core/domain/books-calendar.js';
import { zonedStartOfDayIso } from '../../../core/domain/time-zone.js';

describe('books dates', () => {
  it('validate at now, or at the start of the entry\'s day in its zone when the clock is behind it', () => {
    const now = new Date('2026-03-02T10:00:00Z');
    expect(validAt(now, '2026-03-01', 'Europe/Paris')).toBe('2026-03-02T10:00:00Z');
    expect(validAt(now, '2026-03-03', 'Europe/Paris')).toBe(zonedStartOfDayIso('2026-03-03', 'Europe/Paris'));
    // The same date in another zone starts at another instant.
    expect(validAt(now, '2026-03-03', 'America/Guadeloupe')).toBe(zonedStartOfDayIso('2026-03-03', 'America/Guadeloupe'));
    expect(validAt(now, '2026-03-03', 'America/Guadeloupe')).not.toBe(validAt(now, '2026-03-03', 'Europe/Paris'));
  });

  it('name the fiscal year of a date by its end, each end apart', () => {
    for (const [date, end] of [['2026-05-10', '12-31'], ['2026-05-10', '06-30'], ['2026-07-01', '06-30'], ['2026-05-10', '12-31']] as const) {
      expect(fiscalYearName(date, end)).toBe(fiscalYearOf(date, end).name);
    }
    expect(fiscalYearName('2026-05-10', '06-30')).not.toBe(fiscalYearName('2026-07-01', '06-30'));
  });
});
