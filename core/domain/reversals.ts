// Reversals on returns and cancellations (docs/spec.md section 7), cumulative: after k of a line's Q
// units, the total reversed of every amount a (gross, VAT, each leg's amount and VAT) is
// round(a × k / Q). A step reverses the difference from the previous total, so a full return
// reverses everything exactly and partial steps never add up to more than the original.
import { mulDivRound, type Minor } from './money.js';

/** Total reversed of `amount` after `units` of `quantity` units are refunded. */
export function reversedTotal(amount: Minor, units: number, quantity: number): Minor {
  if (units <= 0) return 0;
  if (units >= quantity) return amount;
  return mulDivRound(amount, units, quantity);
}

/** What one step reverses: from `before` to `after` units refunded. */
export function reversalStep(amount: Minor, before: number, after: number, quantity: number): Minor {
  return reversedTotal(amount, after, quantity) - reversedTotal(amount, before, quantity);
}
