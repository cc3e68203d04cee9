// Dates in an entity's time zone, through the platform's time zone database: Paris with its
// summer time, Martinique (UTC−4, no summer time) and Réunion (UTC+4), around midnight and
// around the days Paris changes its clocks.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { accountingDate } from '../../../core/domain/books-calendar.js';
import { isTimeZone, nextDate, zonedDate, zonedStartOfDay, zonedStartOfDayIso, zoneOffsetMs } from '../../../core/domain/time-zone.js';

const MQ = 'America/Martinique';
const RE = 'Indian/Reunion';
const PARIS = 'Europe/Paris';
const H = 3_600_000;

describe('accounting dates in the entity\'s time zone', () => {
  it('cuts days at each zone\'s midnight', () => {
    // 23:30 UTC on 31 January: 1 February in Paris and Réunion, still 31 January in Martinique.
    expect(accountingDate('2026-01-31T23:30:00Z', PARIS)).toBe('2026-02-01');
    expect(accountingDate('2026-01-31T23:30:00Z', RE)).toBe('2026-02-01');
    expect(accountingDate('2026-01-31T23:30:00Z', MQ)).toBe('2026-01-31');
    // 03:59 UTC is still the day before in Martinique; 04:00 is its midnight.
    expect(accountingDate('2026-03-01T03:59:59Z', MQ)).toBe('2026-02-28');
    expect(accountingDate('2026-03-01T04:00:00Z', MQ)).toBe('2026-03-01');
    // 19:59 UTC is the same day in Réunion; 20:00 is its midnight.
    expect(accountingDate('2026-03-31T19:59:59Z', RE)).toBe('2026-03-31');
    expect(accountingDate('2026-03-31T20:00:00Z', RE)).toBe('2026-04-01');
  });

  it('follows Paris across its clock changes while Martinique and Réunion keep theirs', () => {
    // Paris moves to +2 on 29 March 2026 at 01:00 UTC.
    expect(accountingDate('2026-03-28T22:59:00Z', PARIS)).toBe('2026-03-28');
    expect(accountingDate('2026-03-28T23:30:00Z', PARIS)).toBe('2026-03-29');
    expect(accountingDate('2026-03-29T21:59:00Z', PARIS)).toBe('2026-03-29');
    expect(accountingDate('2026-03-29T22:00:00Z', PARIS)).toBe('2026-03-30');
    expect(accountingDate('2026-03-29T22:00:00Z', MQ)).toBe('2026-03-29');
    expect(accountingDate('2026-03-29T22:00:00Z', RE)).toBe('2026-03-30');
    expect(zoneOffsetMs(Date.parse('2026-03-29T00:59:00Z'), PARIS)).toBe(H);
    expect(zoneOffsetMs(Date.parse('2026-03-29T01:00:00Z'), PARIS)).toBe(2 * H);
    expect(zoneOffsetMs(Date.parse('2026-03-29T01:00:00Z'), MQ)).toBe(-4 * H);
    expect(zoneOffsetMs(Date.parse('2026-03-29T01:00:00Z'), RE)).toBe(4 * H);
    // Back to +1 on 25 October 2026 at 01:00 UTC.
    expect(accountingDate('2026-10-25T22:30:00Z', PARIS)).toBe('2026-10-25');
    expect(accountingDate('2026-10-24T22:30:00Z', PARIS)).toBe('2026-10-25');
    expect(accountingDate('2026-10-25T22:30:00Z', RE)).toBe('2026-10-26');
  });

  it('agrees with the time zone database in every zone it is given', () => {
    const zones = [PARIS, MQ, RE, 'Australia/Lord_Howe', 'Asia/Kathmandu', 'America/St_Johns', 'Pacific/Chatham'];
    const fmt = new Map(zones.map((z) => [z, new Intl.DateTimeFormat('en-CA', { timeZone: z, year: 'numeric', month: '2-digit', day: '2-digit' })]));
    fc.assert(fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2037, 0, 1) }), fc.constantFrom(...zones), (ms, z) => {
      expect(zonedDate(ms, z)).toBe(fmt.get(z)!.format(new Date(ms)));
    }), { numRuns: 3000 });
  });
});

describe('the start of a local day', () => {
  it('is local midnight, on both sides of a clock change', () => {
    expect(zonedStartOfDayIso('2026-03-01', MQ)).toBe('2026-03-01T04:00:00Z');
    expect(zonedStartOfDayIso('2026-03-01', RE)).toBe('2026-02-28T20:00:00Z');
    expect(zonedStartOfDayIso('2026-03-29', PARIS)).toBe('2026-03-28T23:00:00Z');
    expect(zonedStartOfDayIso('2026-03-30', PARIS)).toBe('2026-03-29T22:00:00Z');
    expect(zonedStartOfDayIso('2026-10-26', PARIS)).toBe('2026-10-25T23:00:00Z');
  });

  it('is the first instant of the day where a zone skips midnight', () => {
    // Santiago moves its clocks from 00:00 to 01:00 on the first Sunday of September.
    const start = zonedStartOfDay('2026-09-06', 'America/Santiago');
    expect(zonedDate(start, 'America/Santiago')).toBe('2026-09-06');
    expect(zonedDate(start - 1, 'America/Santiago')).toBe('2026-09-05');
  });

  it('opens every day of a year in each zone, one after the other', () => {
    for (const z of [PARIS, MQ, RE]) {
      let d = '2026-01-01';
      for (let i = 0; i < 366; i++) {
        const start = zonedStartOfDay(d, z);
        expect(zonedDate(start, z)).toBe(d);
        expect(zonedDate(start - 1, z) < d).toBe(true);
        d = nextDate(d);
      }
    }
  });
});

describe('time zone names', () => {
  it('accepts IANA names and refuses offsets and unknown names', () => {
    for (const z of [PARIS, MQ, RE, 'UTC', 'Etc/GMT+4', 'America/Argentina/Buenos_Aires']) expect(isTimeZone(z)).toBe(true);
    for (const z of ['+01:00', 'Paris', 'Europe/Nowhere', '', 'Europe//Paris', 42]) expect(isTimeZone(z)).toBe(false);
  });
});
