// Money: integer amounts in a currency's minor unit, exact rates, one `round` and one
// `spread` for the whole product (docs/spec.md section 3, docs/decisions/0002-decimal-and-money.md).
//
// Amounts are JavaScript numbers holding safe integers. Rates are decimal strings, parsed once
// into an exact fraction `num / 10^scale`. Every product by a rate and every division is exact:
// either integer arithmetic that provably stays within 2^53 (the hot path), or BigInt when it
// would not, or decimal.js where a human-readable exact value is wanted (explanations). No
// binary floating-point value with a fraction is ever rounded into an amount.
import Decimal from 'decimal.js';
import { minorUnitExponent } from '../../common/vocabulary.js';

/** decimal.js configured for money: enough precision for any product of two safe integers. */
export const Dec = Decimal.clone({ precision: 64, rounding: Decimal.ROUND_HALF_UP, toExpNeg: -40, toExpPos: 60 });
export type Dec = Decimal;

/** An amount in minor units (cents for EUR, yen for JPY, fils for BHD). Always a safe integer. */
export type Minor = number;

export class MoneyError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'MoneyError';
  }
}

/** Throws unless `x` is a safe integer; returns it, so it can wrap an expression. */
export function assertMinor(x: number, what = 'amount'): Minor {
  if (!Number.isSafeInteger(x)) throw new MoneyError(`${what} is not a safe integer number of minor units: ${x}`);
  return x;
}

/** Rounds half away from zero to an integer number of minor units. */
export function round(x: Decimal): Minor {
  const r = x.toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber();
  return assertMinor(r === 0 ? 0 : r, 'rounded amount');
}

// ---------------------------------------------------------------------------------------------
// Rates

const RATE_TEXT = /^(\d+)(?:\.(\d+))?$/;

/** True when `s` is a plain decimal string (`"0.20"`, `"1"`, `"0.0625"`), no sign or exponent. */
export function isDecimalString(s: unknown): s is string {
  return typeof s === 'string' && RATE_TEXT.test(s);
}

/** True when `s` is a decimal string whose value lies in [0, 1]. */
export function isUnitRateString(s: unknown): s is string {
  if (typeof s !== 'string') return false;
  const m = RATE_TEXT.exec(s);
  if (m === null) return false;
  // Compared on the text (this runs on every line of an import): 0.x, or 1 with only zeros after.
  const int = m[1].replace(/^0+/, '');
  return int === '' || (int === '1' && (m[2] === undefined || /^0*$/.test(m[2])));
}

/** Parses a rate written as a decimal string into a decimal.js value. Throws on anything else. */
export function rateOf(s: string): Decimal {
  if (!isDecimalString(s)) throw new MoneyError(`not a decimal string: ${JSON.stringify(s)}`);
  return new Dec(s);
}

/**
 * A rate parsed once: its text as written (reports echo it), its decimal.js value, and the exact
 * fraction num/den (den a power of ten) used by the arithmetic below.
 */
export interface Rate {
  readonly text: string;
  readonly value: Decimal;
  readonly num: bigint;
  readonly den: bigint;
  /** num and den as numbers, or NaN when either exceeds 2^53 (then BigInt is used). */
  readonly n: number;
  readonly d: number;
}

export function parseRate(text: string): Rate {
  const m = RATE_TEXT.exec(text);
  if (!m) throw new MoneyError(`not a decimal string: ${JSON.stringify(text)}`);
  const frac = m[2] ?? '';
  const num = BigInt(m[1] + frac);
  const den = 10n ** BigInt(frac.length);
  const n = Number(num);
  const d = Number(den);
  const small = Number.isSafeInteger(n) && Number.isSafeInteger(d);
  return { text, value: new Dec(text), num, den, n: small ? n : NaN, d: small ? d : NaN };
}

// ---------------------------------------------------------------------------------------------
// Exact products and quotients

function bigRoundDiv(p: bigint, d: bigint): Minor {
  // d > 0. Half away from zero.
  const neg = p < 0n;
  const a = neg ? -p : p;
  let q = a / d;
  if ((a % d) * 2n >= d) q += 1n;
  const r = Number(neg ? -q : q);
  return assertMinor(r === 0 ? 0 : r, 'rounded amount');
}

/**
 * round(a × n / d), half away from zero, computed exactly. `a`, `n` integers, `d` a positive
 * integer. Uses integer arithmetic on numbers when a × n stays within 2^53 (then `%` and the
 * division of an exact multiple are exact in IEEE 754), BigInt otherwise.
 */
export function mulDivRound(a: number, n: number, d: number): Minor {
  const p = a * n;
  if (Number.isSafeInteger(p) && Number.isSafeInteger(d) && d > 0) {
    const rem = p % d;
    let q = (p - rem) / d;
    if (rem !== 0 && 2 * Math.abs(rem) >= d) q += p < 0 ? -1 : 1;
    return q === 0 ? 0 : q;
  }
  if (!Number.isSafeInteger(a) || !Number.isSafeInteger(n) || !Number.isSafeInteger(d) || d <= 0) {
    throw new MoneyError(`mulDivRound needs integers and a positive divisor: ${a} × ${n} / ${d}`);
  }
  return bigRoundDiv(BigInt(a) * BigInt(n), BigInt(d));
}

/** round(amount × rate). */
export function applyRate(amount: Minor, rate: Rate): Minor {
  if (rate.n === rate.n) return mulDivRound(amount, rate.n, rate.d);
  return bigRoundDiv(BigInt(amount) * rate.num, rate.den);
}

/** VAT included in a tax-inclusive amount: round(gross × r / (1 + r)), product first, exact. */
export function includedVat(gross: Minor, rate: Rate): Minor {
  if (rate.n === rate.n) {
    const den = rate.d + rate.n;
    if (Number.isSafeInteger(den)) return mulDivRound(gross, rate.n, den);
  }
  return bigRoundDiv(BigInt(gross) * rate.num, rate.den + rate.num);
}

/** The exact value of amount × rate as a decimal string (for explanations). */
export function exactProduct(amount: Minor, rate: Rate): string {
  return new Dec(amount).times(rate.value).toFixed();
}

// ---------------------------------------------------------------------------------------------
// spread

/**
 * Splits an integer `amount` over `weights` by largest remainder (docs/spec.md section 3): each part
 * is floor(amount × w / W); the units left over go one by one to the largest fractional
 * remainders, ties to the earlier item. The parts always add up to `amount`.
 *
 * - Weights must be non-negative safe integers (they are amounts in minor units).
 * - A negative amount is spread as the mirror image of its absolute value, so
 *   spread(-a, w) = -spread(a, w): rounding is symmetric, like `round`.
 * - When every weight is 0 (and there is at least one), the weights count as equal.
 * - No weights: only an amount of 0 can be spread (to nothing); anything else throws.
 */
export function spread(amount: Minor, weights: readonly number[]): Minor[] {
  assertMinor(amount, 'amount to spread');
  const n = weights.length;
  if (n === 0) {
    if (amount === 0) return [];
    throw new MoneyError(`cannot spread ${amount} over no weights`);
  }
  let total = 0;
  for (let i = 0; i < n; i++) {
    const w = weights[i];
    if (!Number.isSafeInteger(w) || w < 0) throw new MoneyError(`spread weight ${i} is not a non-negative safe integer: ${w}`);
    total += w;
  }
  if (!Number.isSafeInteger(total)) return spreadBig(amount, weights);
  if (amount < 0) return spread(-amount, weights).map((x) => (x === 0 ? 0 : -x));
  const parts = new Array<number>(n);
  if (amount === 0) return parts.fill(0);
  const equal = total === 0;
  const W = equal ? n : total;
  const rems = new Array<number>(n);
  let given = 0;
  for (let i = 0; i < n; i++) {
    const p = amount * (equal ? 1 : weights[i]);
    if (!Number.isSafeInteger(p)) return spreadBig(amount, weights);
    const rem = p % W;
    parts[i] = (p - rem) / W;
    rems[i] = rem;
    given += parts[i];
  }
  let left = amount - given;
  if (left === 0) return parts;
  if (left === 1) {
    // The common case: one unit to the single largest remainder (earliest on ties).
    let best = 0;
    for (let i = 1; i < n; i++) if (rems[i] > rems[best]) best = i;
    parts[best] += 1;
    return parts;
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => rems[b] - rems[a] || a - b);
  for (let j = 0; left > 0; j++, left--) parts[order[j]] += 1;
  return parts;
}

function spreadBig(amount: Minor, weights: readonly number[]): Minor[] {
  const n = weights.length;
  const neg = amount < 0;
  const A = BigInt(neg ? -amount : amount);
  let W = 0n;
  for (const w of weights) W += BigInt(w);
  const equal = W === 0n;
  if (equal) W = BigInt(n);
  const parts: bigint[] = [];
  const rems: bigint[] = [];
  let given = 0n;
  for (let i = 0; i < n; i++) {
    const p = A * (equal ? 1n : BigInt(weights[i]));
    parts.push(p / W);
    rems.push(p % W);
    given += p / W;
  }
  let left = A - given;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (rems[b] > rems[a] ? 1 : rems[b] < rems[a] ? -1 : a - b));
  for (let j = 0; left > 0n; j++, left--) parts[order[j]] += 1n;
  return parts.map((p) => {
    const v = Number(neg ? -p : p);
    return v === 0 ? 0 : v;
  });
}

// ---------------------------------------------------------------------------------------------
// Currencies

/** The ISO 4217 exponent of a currency: EUR 2, JPY 0, BHD 3. Unknown three-letter codes: 2. */
export function currencyExponent(code: string): number {
  if (!/^[A-Z]{3}$/.test(code)) throw new MoneyError(`not a currency code: ${JSON.stringify(code)}`);
  return minorUnitExponent(code);
}

/** Formats minor units with the currency's exponent: 11844 EUR → "118.44", -5 EUR → "-0.05". */
export function formatMinor(amount: Minor, currency: string): string {
  assertMinor(amount);
  const e = currencyExponent(currency);
  const digits = String(Math.abs(amount));
  const sign = amount < 0 ? '-' : '';
  if (e === 0) return sign + digits;
  const padded = digits.padStart(e + 1, '0');
  return `${sign}${padded.slice(0, -e)}.${padded.slice(-e)}`;
}
