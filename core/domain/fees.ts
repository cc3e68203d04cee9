// PSP fees (docs/spec.md section 6): borne by the platform, or under `owners_pro_rata` spread over
// the order's lines by gross (every line, cancelled or not, so a line's share does not depend on
// what happens to the others) and borne by each line's owner; the share of a cancelled line falls
// to the platform. Fees are never reversed: the PSP keeps them.
import { spread, type Minor } from './money.js';

export interface FeeSplit {
  /** Borne by each line's owner (0 for cancelled lines and under `platform`). */
  lineShares: Minor[];
  /** Shares of cancelled lines, borne by the platform (owners_pro_rata). */
  toPlatformByLine: Minor[];
  /** Everything the platform bears on the order. */
  platform: Minor;
}

export function splitFees(bearer: 'platform' | 'owners_pro_rata', fees: Minor, grosses: readonly Minor[], cancelled: readonly boolean[]): FeeSplit {
  const n = grosses.length;
  const lineShares = new Array<number>(n).fill(0);
  const toPlatformByLine = new Array<number>(n).fill(0);
  if (bearer === 'platform' || fees === 0) return { lineShares, toPlatformByLine, platform: bearer === 'platform' ? fees : 0 };
  const shares = spread(fees, grosses);
  let platform = 0;
  for (let i = 0; i < n; i++) {
    if (cancelled[i]) {
      toPlatformByLine[i] = shares[i];
      platform += shares[i];
    } else lineShares[i] = shares[i];
  }
  return { lineShares, toPlatformByLine, platform };
}
