/**
 * Wall-clock arithmetic in an IANA time zone, with nothing but Intl (no SDK, no global state).
 * Everything a schedule needs: the local calendar date of an instant, and the instant of a local
 * date + time — including the two DST cases where that is not one-to-one.
 */
const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClock(instantMs: number, tz: string): WallClock {
  const parts: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(new Date(instantMs)))
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour!,
    minute: parts.minute!,
    second: parts.second!,
  };
}

/** Local time minus UTC at an instant, in ms (Montréal: −5 h in winter, −4 h in summer). */
export function utcOffsetMs(instantMs: number, tz: string): number {
  const w = wallClock(instantMs, tz);
  const whole = instantMs - (((instantMs % 1000) + 1000) % 1000);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - whole;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** The calendar date ('YYYY-MM-DD') an instant falls on in `tz`. */
export function localDate(instant: Date, tz: string): string {
  const w = wallClock(instant.getTime(), tz);
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`;
}

/** 'YYYY-MM-DD' shifted by whole calendar days. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** 'YYYY-MM-DD' shifted by whole months, keeping the day (callers use days 1–28). */
export function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1 + months, d)).toISOString().slice(0, 10);
}

/**
 * The instant a local date + hour:minute denotes in `tz`. The two DST cases are resolved the way
 * cron and Temporal's 'compatible' mode do, so a daily time maps to exactly one instant per day:
 * - the time occurs twice (autumn, e.g. 01:30 on 2027-11-07 in Montréal): the EARLIER one;
 * - the time does not exist (spring, e.g. 02:30 on 2027-03-14): shifted forward by the gap (03:30).
 */
export function zonedInstant(date: string, hour: number, minute: number, tz: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d, hour, minute);
  // Offsets a day either side bracket any transition on that date (zones change at most twice a year).
  const before = utcOffsetMs(wall - DAY_MS, tz);
  const after = utcOffsetMs(wall + DAY_MS, tz);
  const valid = [wall - before, wall - after].filter((i) => utcOffsetMs(i, tz) === wall - i).sort((a, b) => a - b);
  return new Date(valid[0] ?? wall - before);
}
