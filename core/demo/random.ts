// A small seeded PRNG (mulberry32) so generated networks and orders are the same on every run.

/** Uniform numbers in [0, 1) from a 32-bit seed: the same sequence for the same seed, everywhere. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    let t = (state = (state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Random {
  /** Uniform in [0, 1). */
  readonly next: () => number;
  constructor(seed: number) { this.next = mulberry32(seed); }
  int(min: number, max: number): number { return min + Math.floor(this.next() * (max - min + 1)); }
  pick<T>(items: readonly T[]): T { return items[Math.floor(this.next() * items.length)]!; }
  chance(p: number): boolean { return this.next() < p; }
}

/** A Luhn-valid SIREN built from 8 digits of `n`. */
export function sirenFrom(n: number): string {
  const body = String(n % 1e8).padStart(8, '0');
  for (let check = 0; check <= 9; check++) {
    const s = body + check;
    let sum = 0;
    for (let i = 0; i < 9; i++) {
      let d = s.charCodeAt(8 - i) - 48;
      if (i % 2 === 1) { d *= 2; if (d > 9) d -= 9; }
      sum += d;
    }
    if (sum % 10 === 0) return s;
  }
  throw new Error('unreachable');
}

/** French intra-EU VAT number of a SIREN: FR + key + SIREN, key = (12 + 3 × (SIREN mod 97)) mod 97. */
export function vatNumberOf(siren: string): string {
  const key = (12 + 3 * (Number(siren) % 97)) % 97;
  return `FR${String(key).padStart(2, '0')}${siren}`;
}
