// Dates of the books: the accounting date of an instant, fiscal years from an entity's
// `fiscal_year_end` (MM-DD), periods (a fiscal year named by its closing year, or a month), and
// where an entry goes when its period is closed. Pure: no clock.
//
// Accounting dates are calendar dates in the entity's time zone (`time_zone`, an IANA name,
// Europe/Paris by default; core/domain/time-zone.ts): an order paid at 23:30 UTC on 31 March is
// booked on 1 April in Paris and on 31 March in Martinique.
import { toMs } from './time.js';
import { DEFAULT_TIME_ZONE, zonedDate } from './time-zone.js';

const DAY = 86_400_000;
const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

function ymd(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
}

/** The accounting date (YYYY-MM-DD) of an ISO instant in a time zone, or a date given as such. */
export function accountingDate(at: string, zone: string = DEFAULT_TIME_ZONE): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(at)) return at;
  return zonedDate(toMs(at), zone);
}

export function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysInMonth(y: number, m: number): number {
  return [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
}

export function addDays(date: string, n: number): string {
  return ymd(Date.parse(`${date}T00:00:00Z`) + n * DAY);
}

/** The closing date of the fiscal year named `year` (a 02-29 end means the last day of February). */
export function fiscalYearEndDate(year: number, fiscalYearEnd: string): string {
  const [mm, dd] = fiscalYearEnd.split('-').map(Number) as [number, number];
  return `${year}-${pad2(mm)}-${pad2(Math.min(dd, daysInMonth(year, mm)))}`;
}

export interface FiscalYear {
  /** Named by its closing year: `2026`. */
  name: string;
  start: string;
  end: string;
}

export function fiscalYear(year: number, fiscalYearEnd: string): FiscalYear {
  const end = fiscalYearEndDate(year, fiscalYearEnd);
  const start = addDays(fiscalYearEndDate(year - 1, fiscalYearEnd), 1);
  return { name: String(year), start, end };
}

/** The fiscal year a date (YYYY-MM-DD) falls in. */
export function fiscalYearOf(date: string, fiscalYearEnd: string): FiscalYear {
  const y = Number(date.slice(0, 4));
  const fy = fiscalYear(y, fiscalYearEnd);
  return date <= fy.end ? (date >= fy.start ? fy : fiscalYear(y - 1, fiscalYearEnd)) : fiscalYear(y + 1, fiscalYearEnd);
}

export interface Period {
  /** `2026` (fiscal year) or `2026-03` (month). */
  name: string;
  kind: 'year' | 'month';
  start: string;
  end: string;
}

export class PeriodError extends Error {
  readonly code = 'invalid_period';
  constructor(message: string) {
    super(message);
    this.name = 'PeriodError';
  }
}

/** Parses a period name for an entity: a fiscal year by its closing year, or a month. */
export function parsePeriod(name: string, fiscalYearEnd: string): Period {
  if (/^\d{4}$/.test(name)) {
    const fy = fiscalYear(Number(name), fiscalYearEnd);
    return { name, kind: 'year', start: fy.start, end: fy.end };
  }
  const m = /^(\d{4})-(\d{2})$/.exec(name);
  if (m && +m[2]! >= 1 && +m[2]! <= 12) {
    const y = +m[1]!;
    const mo = +m[2]!;
    return { name, kind: 'month', start: `${name}-01`, end: `${name}-${pad2(daysInMonth(y, mo))}` };
  }
  throw new PeriodError(`period ${JSON.stringify(name)} is neither a fiscal year (2026) nor a month (2026-03)`);
}

/** The months (YYYY-MM) a period covers, in order. */
export function monthsOf(p: Pick<Period, 'start' | 'end'>): string[] {
  const out: string[] = [];
  let y = Number(p.start.slice(0, 4));
  let m = Number(p.start.slice(5, 7));
  const last = p.end.slice(0, 7);
  for (;;) {
    const name = `${y}-${pad2(m)}`;
    out.push(name);
    if (name >= last) break;
    m++;
    if (m > 12) { m = 1; y++; }
  }
  return out;
}

export const monthOf = (date: string) => date.slice(0, 7);

/** The first month after `month` (YYYY-MM) that is not closed. */
export function nextOpenMonth(month: string, closedMonths: ReadonlySet<string>): string {
  let y = Number(month.slice(0, 4));
  let m = Number(month.slice(5, 7));
  for (let i = 0; i < 12 * 200; i++) {
    m++;
    if (m > 12) { m = 1; y++; }
    const name = `${y}-${pad2(m)}`;
    if (!closedMonths.has(name)) return name;
  }
  throw new PeriodError(`no open period after ${month}`);
}

/** The last day of a month: "2026-02" → "2026-02-28". */
export const lastDayOfMonth = (month: string) => `${month}-${pad2(daysInMonth(Number(month.slice(0, 4)), Number(month.slice(5, 7))))}`;

/**
 * Where an entry dated `date` goes: that date if its month is open, else the first day of the
 * first open month after it (closing a fiscal year closes each of its months).
 */
export function firstOpenDate(date: string, closedMonths: ReadonlySet<string>): { date: string; shifted: boolean } {
  if (!closedMonths.has(monthOf(date))) return { date, shifted: false };
  return { date: `${nextOpenMonth(monthOf(date), closedMonths)}-01`, shifted: true };
}

/** YYYYMMDD, the FEC date format. */
export const compactDate = (date: string) => date.replace(/-/g, '');

/** The closed period (month or fiscal year, its dates inclusive) that holds `date`, if any: no entry may be written there. */
export function closedPeriodHolding<P extends { start_date: string; end_date: string }>(closed: readonly P[], date: string): P | undefined {
  return closed.find((c) => date >= c.start_date && date <= c.end_date);
}
