// Calendar dates in an entity's time zone (an IANA name such as Europe/Paris, America/Martinique,
// Indian/Reunion), through the platform's Intl time zone database. The books, their periods and
// the dashboards cut days where the entity lives: an order paid at 23:30 UTC on 31 March is booked
// on 1 April in Paris and on 31 March in Martinique.
//
// Intl.DateTimeFormat is slow to build and not fast to call, and this runs on the posting path:
// one formatter per zone is kept, and offsets are cached per UTC day when the day holds no clock
// change (the offsets at its first and last quarter-hour agree: no zone changes twice a day), else
// per quarter of an hour (every zone's offset changes on a quarter-hour boundary of UTC: Lord
// Howe's half-hour shift happens at 15:30 UTC, Nepal's +05:45 never moves).
import { isoUtc } from './time.js';

export const DEFAULT_TIME_ZONE = 'Europe/Paris';

const QUARTER = 900_000;
const DAY = 86_400_000;
const NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** True for a time zone name the time zone database knows (IANA `Area/Location`, or UTC). Offsets such as +01:00 are not zones. */
export function isTimeZone(zone: unknown): zone is string {
  if (typeof zone !== 'string' || !NAME.test(zone)) return false;
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** The offset at an instant, asked of the time zone database. */
function offsetAt(at: number, zone: string): number {
  const p: Record<string, number> = {};
  for (const part of formatter(zone).formatToParts(at)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - at;
}

// Per zone: UTC day → its offset, or NaN for a day with a clock change; quarter-hour → offset.
const dayOffsets = new Map<string, Map<number, number>>();
const quarterOffsets = new Map<string, Map<number, number>>();

function cacheOf(caches: Map<string, Map<number, number>>, zone: string): Map<number, number> {
  let c = caches.get(zone);
  if (!c) caches.set(zone, (c = new Map()));
  else if (c.size > 100_000) c.clear();
  return c;
}

/** Offset of the zone's local time from UTC at an instant, in ms (Paris: 3,600,000 in winter). */
export function zoneOffsetMs(ms: number, zone: string): number {
  const days = cacheOf(dayOffsets, zone);
  const day = Math.floor(ms / DAY);
  let off = days.get(day);
  if (off === undefined) {
    const first = offsetAt(day * DAY, zone);
    off = offsetAt((day + 1) * DAY - QUARTER, zone) === first ? first : NaN;
    days.set(day, off);
  }
  if (!Number.isNaN(off)) return off;
  const quarters = cacheOf(quarterOffsets, zone);
  const bucket = Math.floor(ms / QUARTER);
  let q = quarters.get(bucket);
  if (q === undefined) quarters.set(bucket, (q = offsetAt(bucket * QUARTER, zone)));
  return q;
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

/** The calendar date (YYYY-MM-DD) of an instant (epoch ms) in a zone. */
export function zonedDate(ms: number, zone: string): string {
  const d = new Date(ms + zoneOffsetMs(ms, zone));
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
}

/**
 * The first instant (epoch ms) of a calendar date in a zone: its local midnight, or where a
 * zone skips midnight (a clock change at 00:00), the first local time of the day.
 */
export function zonedStartOfDay(date: string, zone: string): number {
  const utcMidnight = Date.parse(`${date}T00:00:00Z`);
  // Local midnight is utcMidnight − offset; the offset there may differ from the guess's.
  let ms = utcMidnight - zoneOffsetMs(utcMidnight, zone);
  ms = utcMidnight - zoneOffsetMs(ms, zone);
  // A day that starts in a gap: step forward to the first instant whose local date is `date`.
  while (zonedDate(ms, zone) < date) ms += QUARTER;
  while (zonedDate(ms - QUARTER, zone) === date) ms -= QUARTER;
  return ms;
}

/** `zonedStartOfDay` as canonical UTC text. */
export const zonedStartOfDayIso = (date: string, zone: string) => isoUtc(zonedStartOfDay(date, zone));

/** The calendar date after `date`. */
export function nextDate(date: string): string {
  const d = new Date(Date.parse(`${date}T00:00:00Z`) + DAY);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
}
