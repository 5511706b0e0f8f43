/**
 * Calendar arithmetic on 'YYYY-MM-DD' dates. Dates of the product are calendar days in
 * America/Montreal (no time of day, no time zone), so the arithmetic runs on plain
 * year/month/day numbers: a daylight-saving change can never shift a due date.
 */

export interface Duration {
  years: number;
  months: number;
  weeks: number;
  days: number;
}

const DURATION = /^P(?!$)(?:(\d{1,4})Y)?(?:(\d{1,4})M)?(?:(\d{1,4})W)?(?:(\d{1,5})D)?$/;

/**
 * Parses an ISO-8601 duration made of calendar parts (`P90D`, `P3M`, `P1Y`, `P1M15D`, `P2W`).
 * Time parts (`PT12H`) and negative or fractional values are refused: due rules are whole days.
 * Returns null when the text is not such a duration.
 */
export function parseDuration(text: string): Duration | null {
  const m = DURATION.exec(text.trim().toUpperCase());
  if (!m) return null;
  const [, y, mo, w, d] = m;
  return { years: Number(y ?? 0), months: Number(mo ?? 0), weeks: Number(w ?? 0), days: Number(d ?? 0) };
}

/**
 * Due rules are about a grant's life (months, a few years): an offset of more than a century is a
 * typing error (`P9999Y` would put the due date in the year 11000+, which no date column or event
 * accepts). Measured generously: a year as 366 days, a month as 31.
 */
export const MAX_OFFSET_DAYS = 36_600;
export function durationTooLong(d: Duration): boolean {
  return d.years * 366 + d.months * 31 + d.weeks * 7 + d.days > MAX_OFFSET_DAYS;
}

/** The last due date the system derives (later ones are refused, whatever the rule that gives them). */
export const LAST_DUE_DATE = '2100-12-31';

export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysInMonth(y: number, m: number): number {
  return [31, isLeapYear(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
}

function split(date: string): [number, number, number] {
  return [Number(date.slice(0, 4)), Number(date.slice(5, 7)), Number(date.slice(8, 10))];
}

function format(y: number, m: number, d: number): string {
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil; no Date objects). */
export function toDayNumber(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Inverse of toDayNumber (civil_from_days). */
export function fromDayNumber(z: number): string {
  const zz = z + 719468;
  const era = Math.floor(zz / 146097);
  const doe = zz - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return format(yoe + era * 400 + (m <= 2 ? 1 : 0), m, d);
}

/** Adds whole days (may be negative). */
export function addDays(date: string, days: number): string {
  if (days === 0) return date;
  const [y, m, d] = split(date);
  return fromDayNumber(toDayNumber(y, m, d) + days);
}

/**
 * Adds a duration the way ISO-8601 / java.time Period do: years and months first, clamping to the
 * last day of the resulting month (Jan 31 + P1M = Feb 28, or 29 in a leap year), then weeks and days.
 */
export function addDuration(date: string, dur: Duration): string {
  const [y, m, d] = split(date);
  const totalMonths = y * 12 + (m - 1) + dur.years * 12 + dur.months;
  const ny = Math.floor(totalMonths / 12);
  const nm = (totalMonths % 12) + 1;
  const nd = Math.min(d, daysInMonth(ny, nm));
  return addDays(format(ny, nm, nd), dur.weeks * 7 + dur.days);
}

/** Whole days from `a` to `b` (positive when b is later). */
export function daysBetween(a: string, b: string): number {
  return toDayNumber(...split(b)) - toDayNumber(...split(a));
}

/** A real calendar date written YYYY-MM-DD (refuses 2027-02-30, 2027-13-01). */
export function isCalendarDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const [y, m, d] = split(s);
  return y >= 1900 && y <= 2200 && m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m);
}
