/**
 * The optional daily send window (REMINDER_SEND_WINDOW, e.g. "08:00-20:00 America/Montreal").
 * Outside it digests stay pending (state skipped_window) until the next opening. Pure functions.
 */
export interface SendWindow {
  startMin: number;
  endMin: number;
  timeZone: string;
  text: string;
}

const PATTERN = /^\s*(\d{2}):(\d{2})\s*-\s*(\d{2}):(\d{2})(?:\s+([A-Za-z_]+(?:\/[A-Za-z_+-]+)*))?\s*$/;

export function parseSendWindow(text: string): SendWindow {
  const m = PATTERN.exec(text);
  if (!m)
    throw new Error(
      'must look like "08:00-20:00" optionally followed by a time zone, e.g. "08:00-20:00 America/Montreal"',
    );
  const [h1, m1, h2, m2] = [m[1], m[2], m[3], m[4]].map(Number) as [number, number, number, number];
  if (h1 > 23 || h2 > 24 || m1 > 59 || m2 > 59 || (h2 === 24 && m2 !== 0))
    throw new Error('hours must be 00-24 and minutes 00-59');
  const timeZone = m[5] ?? 'America/Montreal';
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    throw new Error(`unknown time zone ${timeZone}`);
  }
  return { startMin: h1 * 60 + m1, endMin: h2 * 60 + m2, timeZone, text: text.trim() };
}

/** Minutes since local midnight in the window's time zone. */
function localMinutes(now: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(now);
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return get('hour') * 60 + get('minute');
}

export type WindowState = { open: true } | { open: false; opensAt: Date };

/**
 * Whether `now` is inside the window, else when it next opens. The opening is computed in local
 * minutes from now, so across a DST change it can be an hour off; the sweeper checks again on every
 * pass, so a digest is never sent outside the window, only possibly picked up an hour later.
 */
export function windowState(now: Date, w: SendWindow | null): WindowState {
  if (!w || w.startMin === w.endMin) return { open: true };
  const m = localMinutes(now, w.timeZone);
  const inside = w.startMin < w.endMin ? m >= w.startMin && m < w.endMin : m >= w.startMin || m < w.endMin;
  if (inside) return { open: true };
  const wait = (w.startMin - m + 1440) % 1440;
  const base = Math.floor(now.getTime() / 60_000) * 60_000; // start of the current minute
  return { open: false, opensAt: new Date(base + wait * 60_000) };
}
