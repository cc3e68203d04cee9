// toMs has a hand-written fast path for the two forms the engine reads millions of times; it
// must agree with Date.parse on every instant, and refuse what Date.parse refuses.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoUtc, toMs } from '../../../core/domain/time.js';

const instants = fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2200, 0, 1) });

describe('toMs', () => {
  it('reads toISOString() and isoUtc() forms exactly like Date.parse', () => {
    fc.assert(fc.property(instants, (ms) => {
      const withMillis = new Date(ms).toISOString();
      expect(toMs(withMillis)).toBe(ms);
      expect(toMs(withMillis.slice(0, 19) + 'Z')).toBe(ms - (ms % 1000));
      expect(toMs(isoUtc(ms))).toBe(ms);
    }));
  });

  it('reads offsets and dates through the general path', () => {
    expect(toMs('2026-03-02T10:15:00.250+01:00')).toBe(Date.UTC(2026, 2, 2, 9, 15, 0, 250));
    expect(toMs('2026-03-02')).toBe(Date.UTC(2026, 2, 2));
  });

  it('refuses malformed times, also of the fast-path lengths', () => {
    for (const bad of ['2026-13-02T09:15:00Z', '2026-03-02T09:15:00.2x0Z', '2026-03-02T25:15:00.000Z', 'not a time']) {
      expect(() => toMs(bad), bad).toThrow(/not an ISO 8601 time/);
    }
  });
});
