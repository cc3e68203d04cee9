// The daily batches' held line sums in typed arrays (core/store/sum-rows.ts).
import { describe, expect, it } from 'vitest';
import { SumRows } from '../../../core/store/sum-rows.js';

const row = (s: SumRows, r: number) => [s.batch[r], s.key[r], ...s.amounts.subarray(r * 4, r * 4 + 4)];

describe('held sums', () => {
  it('keep every row and its amounts as they grow past their capacity', () => {
    expect(new SumRows().batch.length).toBe(64); // a posting call of a few events makes its own
    const s = new SumRows(2);
    for (let i = 0; i < 100; i++) {
      const r = s.add(1000 + i, i % 7);
      expect(r).toBe(i);
      s.amounts[r * 4] += i * 100;
      s.amounts[r * 4 + 3] += 2 ** 52 + i; // amounts past 32 bits stay exact
    }
    expect(s.n).toBe(100);
    expect(row(s, 0)).toEqual([1000, 0, 0, 0, 0, 2 ** 52]);
    expect(row(s, 99)).toEqual([1099, 1, 9900, 0, 0, 2 ** 52 + 99]);
  });

  it('copy a row with its amounts, and start a reused row from zero', () => {
    const s = new SumRows(4);
    const r = s.add(7, 3);
    s.amounts.set([1, 2, 3, 4], r * 4);
    const kept = new SumRows(1);
    kept.add(1, 1);
    expect(kept.copy(s, r)).toBe(1);
    expect(row(kept, 1)).toEqual([7, 3, 1, 2, 3, 4]);
    s.clear(); // written: the rows are reused
    expect(row(s, s.add(8, 5))).toEqual([8, 5, 0, 0, 0, 0]);
  });
});
