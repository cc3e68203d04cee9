// Times in the domain: ISO 8601 strings in, epoch milliseconds for comparisons, and one
// canonical text form out. Pure parsing: the domain never reads the clock.

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export const DAY_MS = 86_400_000;

function validDay(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return d <= days[m - 1];
}

/** True for an ISO 8601 time with a zone (`2026-03-02T09:15:00Z`) naming a real instant. */
export function isTimestamp(s: unknown): s is string {
  if (typeof s !== 'string') return false;
  const m = TIMESTAMP.exec(s);
  if (!m) return false;
  if (!validDay(+m[1], +m[2], +m[3])) return false;
  if (+m[4] > 23 || +m[5] > 59 || (m[6] !== undefined && +m[6] > 59)) return false;
  const zone = m[8];
  return zone === 'Z' || (+zone.slice(1, 3) <= 23 && +zone.slice(4, 6) <= 59);
}

/** True for a calendar date `YYYY-MM-DD` that exists. */
export function isDate(s: unknown): s is string {
  if (typeof s !== 'string') return false;
  const m = DATE.exec(s);
  return m !== null && validDay(+m[1], +m[2], +m[3]);
}

// Days since 1970-01-01 of a civil date, and back (Howard Hinnant's algorithms): integer
// arithmetic, used for the common `YYYY-MM-DDTHH:MM:SSZ` form without going through Date.
function daysFromCivil(y: number, m: number, d: number): number {
  // y in [0, 9999]: every quotient below is of non-negative integers, so `| 0` floors.
  y -= m <= 2 ? 1 : 0;
  const era = y >= 0 ? (y / 400) | 0 : -1;
  const yoe = y - era * 400;
  const doy = (((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) | 0) + d - 1;
  const doe = yoe * 365 + ((yoe / 4) | 0) - ((yoe / 100) | 0) + doy;
  return era * 146097 + doe - 719468;
}

/** The digit at position i, or -1000 (enough to fail every range check) if it is not one. */
function dig(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1000;
}

/** Epoch milliseconds of a timestamp or of a date (midnight UTC). Throws on anything else. */
export function toMs(s: string): number {
  // Fast path: 2026-03-02T09:15:00Z, the form every Ventil export writes, or with milliseconds
  // (2026-03-02T09:15:00.250Z, the form of JavaScript's toISOString).
  const n = s.length;
  const millis = n === 24 && s.charCodeAt(19) === 46 /* . */ ? dig(s, 20) * 100 + dig(s, 21) * 10 + dig(s, 22) : n === 20 ? 0 : -1;
  if (millis >= 0 && s.charCodeAt(n - 1) === 90 /* Z */ && s.charCodeAt(10) === 84 /* T */ && s.charCodeAt(4) === 45 && s.charCodeAt(7) === 45 && s.charCodeAt(13) === 58 && s.charCodeAt(16) === 58) {
    const y = dig(s, 0) * 1000 + dig(s, 1) * 100 + dig(s, 2) * 10 + dig(s, 3);
    const mo = dig(s, 5) * 10 + dig(s, 6);
    const d = dig(s, 8) * 10 + dig(s, 9);
    const h = dig(s, 11) * 10 + dig(s, 12);
    const mi = dig(s, 14) * 10 + dig(s, 15);
    const se = dig(s, 17) * 10 + dig(s, 18);
    if (y >= 0 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && se >= 0 && se <= 59) {
      return ((daysFromCivil(y, mo, d) * 24 + h) * 60 + mi) * 60_000 + se * 1000 + millis;
    }
  }
  const ms = Date.parse(s.length === 10 ? `${s}T00:00:00Z` : s);
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO 8601 time: ${JSON.stringify(s)}`);
  return ms;
}

const PAD2 = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : String(i)));

/** Canonical UTC text of an instant: `2026-03-20T00:00:00Z` (milliseconds only when not zero). */
export function isoUtc(ms: number): string {
  if (!Number.isFinite(ms)) throw new RangeError(`not an instant: ${ms}`);
  const millis = ((ms % 1000) + 1000) % 1000;
  let t = (ms - millis) / 1000;
  const sec = ((t % 60) + 60) % 60;
  t = (t - sec) / 60;
  const min = ((t % 60) + 60) % 60;
  t = (t - min) / 60;
  const hour = ((t % 24) + 24) % 24;
  const z = (t - hour) / 24 + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 0 || year > 9999) return new Date(ms).toISOString();
  const ys = year < 1000 ? String(year).padStart(4, '0') : String(year);
  const base = `${ys}-${PAD2[month]}-${PAD2[day]}T${PAD2[hour]}:${PAD2[min]}:${PAD2[sec]}`;
  return millis === 0 ? `${base}Z` : `${base}.${String(millis).padStart(3, '0')}Z`;
}
