// The sums a posting run holds until it writes them, in typed arrays rather than an object or
// array per sum, found through a hash table of row numbers rather than a Map per batch: a run
// holds hundreds of thousands of sums until its end, which as objects the collector copied into
// the old generation and marked there (docs/performance.md, fourth and fifth sessions of
// 2026-12-04). The daily batches' line sums (subledger-repo.ts `dailyBatches`) and the month
// sums (invoice-repo.ts `monthTotals`, batch 0) are held so.

/**
 * Rows of sums in the order first added, one per batch id and key number (movement-keys.ts):
 * four amounts each (`amounts[4 * row + k]`: a batch line's debit, credit, debit_orig and
 * credit_orig; a month sum's base, net, VAT and items), integers in minor units, exact in a double.
 */
export class SumRows {
  n = 0;
  batch: Int32Array;
  key: Int32Array;
  amounts: Float64Array;
  /** Open addressing on (batch, key): each slot a row + 1, 0 when empty; never more than half full. */
  private slots: Int32Array;

  // Small to start: a posting call of a few events makes its own (subledger-repo.ts `dailyWriter`),
  // and doubling takes a run's hundreds of thousands in a few dozen copies.
  constructor(capacity = 64) {
    const size = 2 ** Math.ceil(Math.log2(Math.max(2, capacity))); // a power of two: slots are found by mask
    this.batch = new Int32Array(size);
    this.key = new Int32Array(size);
    this.amounts = new Float64Array(size * 4);
    this.slots = new Int32Array(size * 2);
  }

  /** The row of `batch` and `key`, a new one of zero amounts when there is none; returns its index. */
  row(batch: number, key: number): number {
    const mask = this.slots.length - 1;
    let i = slotOf(batch, key) & mask;
    for (let s = this.slots[i]!; s !== 0; s = this.slots[i]!) {
      if (this.batch[s - 1] === batch && this.key[s - 1] === key) return s - 1;
      i = (i + 1) & mask;
    }
    if (this.n === this.batch.length) {
      this.grow();
      return this.row(batch, key);
    }
    const r = this.n++;
    this.batch[r] = batch;
    this.key[r] = key;
    this.amounts.fill(0, r * 4, r * 4 + 4);
    this.slots[i] = r + 1;
    return r;
  }

  /** Adds four amounts to the row of `batch` and `key`, a new one when there is none. */
  add(batch: number, key: number, a0: number, a1: number, a2: number, a3: number): void {
    const at = this.row(batch, key) * 4; // before reading `amounts`: a new row may have grown it
    const a = this.amounts;
    a[at] += a0;
    a[at + 1] += a1;
    a[at + 2] += a2;
    a[at + 3] += a3;
  }

  /** Empties the rows (written), keeping their storage for the next. */
  clear(): void {
    this.n = 0;
    this.slots.fill(0);
  }

  private grow() {
    const size = this.batch.length * 2;
    const batch = new Int32Array(size);
    batch.set(this.batch);
    const key = new Int32Array(size);
    key.set(this.key);
    const amounts = new Float64Array(size * 4);
    amounts.set(this.amounts);
    this.batch = batch;
    this.key = key;
    this.amounts = amounts;
    this.slots = new Int32Array(size * 2);
    const mask = this.slots.length - 1;
    for (let r = 0; r < this.n; r++) {
      let i = slotOf(batch[r]!, key[r]!) & mask;
      while (this.slots[i] !== 0) i = (i + 1) & mask;
      this.slots[i] = r + 1;
    }
  }
}

/** A slot for a batch and a key, spread over the table's bits (both are small, dense integers). */
function slotOf(batch: number, key: number): number {
  const h = Math.imul(batch, 0x9e3779b1) ^ Math.imul(key, 0x85ebca77);
  return (h ^ (h >>> 15)) >>> 0;
}
