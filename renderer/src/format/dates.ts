// Dates and times in the user's locale. Calendar dates (`2026-03-31`) are days, not instants:
// they are shown in UTC so a user west of Greenwich does not see the day before.
const cache = new Map<string, Intl.DateTimeFormat>();

function fmt(locale: string, opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(opts)}`;
  let f = cache.get(key);
  if (!f) { f = new Intl.DateTimeFormat(locale, opts); cache.set(key, f); }
  return f;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A calendar day (`YYYY-MM-DD`) or the day of a timestamp, e.g. "31 mars 2026". */
export function formatDate(value: string, locale: string): string {
  if (DAY.test(value)) return fmt(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${value}T00:00:00Z`));
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? value : fmt(locale, { dateStyle: 'medium' }).format(d);
}

/** An instant in the user's time zone, e.g. "31 mars 2026, 14:05". */
export function formatDateTime(value: string, locale: string): string {
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? value : fmt(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

/** A fiscal year end (`MM-DD`) as a day and month, e.g. "31 décembre". */
export function formatMonthDay(value: string, locale: string): string {
  if (!/^\d{2}-\d{2}$/.test(value)) return value;
  return fmt(locale, { day: 'numeric', month: 'long', timeZone: 'UTC' }).format(new Date(`2024-${value}T00:00:00Z`));
}

/** A short day for chart axes, e.g. "28 nov." */
export function formatDayShort(value: string, locale: string): string {
  const d = DAY.test(value) ? new Date(`${value}T00:00:00Z`) : new Date(value);
  return Number.isNaN(d.getTime()) ? value : fmt(locale, { day: 'numeric', month: 'short', timeZone: DAY.test(value) ? 'UTC' : undefined }).format(d);
}
