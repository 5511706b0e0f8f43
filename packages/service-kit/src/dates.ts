/** Calendar dates of the product are days in America/Montreal (brief: dates are calendar dates). */
export const PRODUCT_TIME_ZONE = 'America/Montreal';

/** Today's calendar date in Montréal, as YYYY-MM-DD. */
export function todayInMontreal(now: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: PRODUCT_TIME_ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
}

/** True for a real calendar date written YYYY-MM-DD (rejects 2027-02-30). */
export function isCalendarDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}
