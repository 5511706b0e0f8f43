/**
 * Whole-day arithmetic on 'YYYY-MM-DD' calendar days. The product's days are Montréal days with no
 * time of day, so the arithmetic runs in UTC, where every day has 24 hours: a daylight-saving
 * change can never move a stage or a due date (PostgreSQL's `date + integer` is exact the same way).
 */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
