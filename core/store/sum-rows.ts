// The daily batches' line sums a posting run holds until it writes them (subledger-repo.ts
// `dailyBatches`), in typed arrays rather than an array per sum: a run holds hundreds of
// thousands of sums until its end, which as objects the collector copied into the old
// generation and marked there (docs/performance.md, fourth session of 2026-12-04).

/**
 * Rows of sums in the order first added: a batch id, the number of the sum's key (movement-keys.ts),
 * and four amounts (debit, credit, debit_orig, credit_orig; `amounts[4 * row + k]`), integers in
 * minor units, exact in a double.
 */
export class SumRows {
  n = 0;
  batch: Int32Array;
  key: Int32Array;
  amounts: Float64Array;

  // Small to start: a posting call of a few events makes its own (subledger-repo.ts `dailyWriter`),
  // and doubling takes a run's hundreds of thousands in a few dozen copies.
  constructor(capacity = 64) {
    this.batch = new Int32Array(capacity);
    this.key = new Int32Array(capacity);
    this.amounts = new Float64Array(capacity * 4);
  }

  /** A new row of zero amounts; returns its index. */
  add(batch: number, key: number): number {
    if (this.n === this.batch.length) this.grow();
    const r = this.n++;
    this.batch[r] = batch;
    this.key[r] = key;
    this.amounts.fill(0, r * 4, r * 4 + 4);
    return r;
  }

  /** Empties the rows (written), keeping their storage for the next. */
  clear(): void {
    this.n = 0;
  }

  /** Appends row `r` of `from`; returns its index here. */
  copy(from: SumRows, r: number): number {
    const to = this.add(from.batch[r]!, from.key[r]!);
    this.amounts.set(from.amounts.subarray(r * 4, r * 4 + 4), to * 4);
    return to;
  }

  private grow() {
    const size = Math.max(16, this.batch.length * 2);
    const batch = new Int32Array(size);
    batch.set(this.batch);
    const key = new Int32Array(size);
    key.set(this.key);
    const amounts = new Float64Array(size * 4);
    amounts.set(this.amounts);
    this.batch = batch;
    this.key = key;
    this.amounts = amounts;
  }
}

/**
 * Sums found by the number of their key (a month sum's, in a run's KeyTable: invoice-repo.ts
 * `monthTotals`), a row each, held as SumRows are (batch 0) for the same reason: a run holds
 * hundreds of thousands until its end. `amounts[4 * row + k]`: base, net, VAT, items.
 */
export class KeyedSumRows extends SumRows {
  /** Each key number's row + 1 (0: none). */
  private rowOf = new Int32Array(64);

  /** The row of key number `k`, a new one of zero amounts when it has none. */
  row(k: number): number {
    if (k >= this.rowOf.length) {
      const grown = new Int32Array(Math.max(k + 1, this.rowOf.length * 2));
      grown.set(this.rowOf);
      this.rowOf = grown;
    }
    const r = this.rowOf[k]! - 1;
    if (r >= 0) return r;
    const added = this.add(0, k);
    this.rowOf[k] = added + 1;
    return added;
  }

  override clear(): void {
    for (let r = 0; r < this.n; r++) this.rowOf[this.key[r]!] = 0;
    super.clear();
  }
}
