// Converting an entry to an entity's book currency (docs/spec.md section 9): at the latest network
// `fx_rates` entry on or before the event's date, line by line with `spread`, so the converted
// entry still balances. A missing rate is a named error; the caller then posts nothing for the
// event.
import { Dec, currencyExponent, round, spread, type Minor } from './money.js';

export interface FxRate { date: string; from: string; to: string; rate: string }

export class FxRateMissingError extends Error {
  readonly code = 'fx_rate_missing';
  constructor(readonly from: string, readonly to: string, readonly date: string) {
    super(`no fx_rates entry converts ${from} to ${to} on or before ${date}; add one to the network settings`);
    this.name = 'FxRateMissingError';
  }
}

export interface AppliedRate {
  /** Units of `to` for one unit of `from`, as a decimal string. */
  rate: string;
  /** Date of the fx_rates entry used. */
  date: string;
  /** True when the entry was written the other way round (to → from) and inverted. */
  inverse: boolean;
}

/**
 * The rate from `from` to `to` on `date`: the latest entry dated on or before it, written either
 * way round (a `to → from` entry is inverted); on the same date a direct entry wins.
 */
export function findRate(rates: readonly FxRate[], from: string, to: string, date: string): AppliedRate | null {
  let best: FxRate | null = null;
  let inverse = false;
  for (const r of rates) {
    if (r.date > date) continue;
    const direct = r.from === from && r.to === to;
    const inv = r.from === to && r.to === from;
    if (!direct && !inv) continue;
    if (best === null || r.date > best.date || (r.date === best.date && direct && inverse)) {
      best = r;
      inverse = !direct;
    }
  }
  if (best === null) return null;
  const rate = inverse ? new Dec(1).div(best.rate).toSignificantDigits(20).toFixed() : best.rate;
  return { rate, date: best.date, inverse };
}

/**
 * Converts signed amounts (debit positive) of a balanced entry from one currency to another:
 * the debit total is converted once (rounded half away from zero, minor-unit exponents taken into
 * account), then spread over the debit lines and over the credit lines by their amounts.
 */
export function convertBalanced(amounts: readonly Minor[], from: string, to: string, rate: string): Minor[] {
  const debits = amounts.map((a) => (a > 0 ? a : 0));
  const credits = amounts.map((a) => (a < 0 ? -a : 0));
  const total = debits.reduce((s, a) => s + a, 0);
  const check = credits.reduce((s, a) => s + a, 0);
  if (total !== check) throw new RangeError(`cannot convert an unbalanced entry (${total} ≠ ${check})`);
  const shift = currencyExponent(to) - currencyExponent(from);
  const converted = round(new Dec(total).times(rate).times(new Dec(10).pow(shift)));
  const d = total === 0 ? debits.map(() => 0) : spread(converted, debits);
  const c = total === 0 ? credits.map(() => 0) : spread(converted, credits);
  return amounts.map((a, i) => (a > 0 ? d[i]! : a < 0 ? -c[i]! : 0));
}
