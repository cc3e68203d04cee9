// The daily batches' held line sums in typed arrays (core/store/sum-rows.ts).
import { describe, expect, it } from 'vitest';
import { KeyedSumRows, SumRows } from '../../../core/store/sum-rows.js';

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

  it('find a keyed sum by its key number, however large, one row per key, and none after a clear', () => {
    const s = new KeyedSumRows();
    const keys = [5, 70_000, 5, 3, 70_000, 1_000_000];
    const rows = keys.map((k) => s.row(k));
    expect(rows).toEqual([0, 1, 0, 2, 1, 3]);
    expect([...s.key.subarray(0, s.n)]).toEqual([5, 70_000, 3, 1_000_000]);
    s.amounts[s.row(3) * 4 + 1] += 42;
    expect(s.amounts[2 * 4 + 1]).toBe(42);
    s.clear();
    expect(s.n).toBe(0);
    expect(s.row(70_000)).toBe(0); // a new row of zero amounts
    expect(s.row(3)).toBe(1);
    expect(s.amounts.subarray(4, 8)).toEqual(new Float64Array(4));
  });
});
