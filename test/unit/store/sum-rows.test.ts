// The sums a posting run holds, in typed arrays found by batch and key (core/store/sum-rows.ts).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SumRows } from '../../../core/store/sum-rows.js';

const row = (s: SumRows, r: number) => [s.batch[r], s.key[r], ...s.amounts.subarray(r * 4, r * 4 + 4)];

describe('held sums', () => {
  it('keep every row and its amounts as they grow past their capacity', () => {
    expect(new SumRows().batch.length).toBe(64); // a posting call of a few events makes its own
    const s = new SumRows(2);
    for (let i = 0; i < 100; i++) {
      const r = s.row(1000 + i, i % 7);
      expect(r).toBe(i);
      s.amounts[r * 4] += i * 100;
      s.amounts[r * 4 + 3] += 2 ** 52 + i; // amounts past 32 bits stay exact
    }
    expect(s.n).toBe(100);
    expect(row(s, 0)).toEqual([1000, 0, 0, 0, 0, 2 ** 52]);
    expect(row(s, 99)).toEqual([1099, 1, 9900, 0, 0, 2 ** 52 + 99]);
    expect(s.row(1099, 1)).toBe(99); // found again after the growths
  });

  it('give one row per batch and key, in the order first met, and none after a clear', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 2_000_000 })), { maxLength: 300 }), (pairs) => {
      const s = new SumRows(1);
      const first = new Map<string, number>();
      for (const [b, k] of pairs) {
        const r = s.row(b, k);
        s.amounts[r * 4 + 1] += 1;
        const id = `${b}/${k}`;
        if (!first.has(id)) first.set(id, first.size);
        expect(r).toBe(first.get(id));
      }
      expect(s.n).toBe(first.size);
      for (const [id, r] of first) {
        expect(`${s.batch[r]}/${s.key[r]}`).toBe(id);
        expect(s.amounts[r * 4 + 1]).toBe(pairs.filter(([b, k]) => `${b}/${k}` === id).length);
      }
      s.clear(); // written: the rows are reused, each new one from zero
      expect(s.n).toBe(0);
      if (pairs.length > 0) {
        const [b, k] = pairs[pairs.length - 1]!;
        expect(row(s, s.row(b, k))).toEqual([b, k, 0, 0, 0, 0]);
        expect(s.n).toBe(1);
      }
    }));
  });

  it('add amounts to a row, new or found, as the rows grow past their capacity', () => {
    const s = new SumRows(1);
    for (let round = 1; round <= 2; round++) for (let k = 0; k < 100; k++) s.add(3, k, k, -k, round, 2 ** 52);
    expect(s.n).toBe(100);
    expect(row(s, 0)).toEqual([3, 0, 0, 0, 3, 2 ** 53]);
    expect(row(s, 99)).toEqual([3, 99, 198, -198, 3, 2 ** 53]);
  });
});
