import { addDays, addMonths, localDate, zonedInstant } from './zoned-time';

/** Every calendar date of the product is a day in Montréal: every schedule and asOf uses this zone. */
export const TIME_ZONE = 'America/Montreal';

export type JobKind = 'evaluate' | 'praxis_sync' | 'reports';

/** When a schedule fires. Daily and monthly times are local wall-clock times in `tz`. */
export type Recurrence =
  | { every: 'hour'; minute: number }
  | { every: 'day'; hour: number; minute: number; tz: string }
  | { every: 'month'; day: number; hour: number; minute: number; tz: string };

export interface Schedule {
  /** Stable name: it prefixes every slot key in cron_fire, so renaming one re-fires its latest slot. */
  name: string;
  kind: JobKind;
  recurrence: Recurrence;
  /** How late a slot may still be fired (after downtime). Only the latest slot is ever considered. */
  graceMs: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export const SCHEDULES: readonly Schedule[] = [
  // Any missed day is caught up once: evaluation as of a later day covers the days before it.
  {
    name: 'evaluation',
    kind: 'evaluate',
    recurrence: { every: 'day', hour: 6, minute: 0, tz: TIME_ZONE },
    graceMs: Number.POSITIVE_INFINITY,
  },
  { name: 'praxis-sync', kind: 'praxis_sync', recurrence: { every: 'hour', minute: 0 }, graceMs: HOUR_MS },
  // A first start mid-month must not mail last month's report: only a slot less than a day old is caught up.
  {
    name: 'reports',
    kind: 'reports',
    recurrence: { every: 'month', day: 1, hour: 7, minute: 0, tz: TIME_ZONE },
    graceMs: DAY_MS,
  },
];

const pad = (n: number): string => String(n).padStart(2, '0');

/** The slot of a recurrence on (or in the month of) a local calendar date. */
function slotOn(r: Exclude<Recurrence, { every: 'hour' }>, date: string): Date {
  const day = r.every === 'day' ? date : `${date.slice(0, 7)}-${pad(r.day)}`;
  return zonedInstant(day, r.hour, r.minute, r.tz);
}

function step(r: Exclude<Recurrence, { every: 'hour' }>, date: string, n: number): string {
  return r.every === 'day' ? addDays(date, n) : addMonths(`${date.slice(0, 7)}-01`, n);
}

/**
 * The most recent scheduled instant at or before `t`.
 * Hourly slots are counted in elapsed time (UTC): Montréal's offsets are whole hours, so they fall
 * on local hour boundaries too, and the repeated autumn hour gets its own run instead of a skipped one.
 * Daily and monthly slots are one per local day/month whatever DST does (see zonedInstant).
 */
export function latestSlot(r: Recurrence, t: Date): Date {
  if (r.every === 'hour') {
    const offset = r.minute * 60_000;
    return new Date(Math.floor((t.getTime() - offset) / HOUR_MS) * HOUR_MS + offset);
  }
  const today = localDate(t, r.tz);
  const candidate = slotOn(r, today);
  return candidate.getTime() <= t.getTime() ? candidate : slotOn(r, step(r, today, -1));
}

/** The first scheduled instant strictly after `t`. */
export function nextSlot(r: Recurrence, t: Date): Date {
  if (r.every === 'hour') return new Date(latestSlot(r, t).getTime() + HOUR_MS);
  const today = localDate(t, r.tz);
  const candidate = slotOn(r, today);
  return candidate.getTime() > t.getTime() ? candidate : slotOn(r, step(r, today, 1));
}

/** One firing of a schedule: its slot, the claim key every replica computes alike, and the job's asOf. */
export interface Fire {
  schedule: Schedule;
  slot: Date;
  /** `<name>:<slot ISO>`, the same shape as node-cron's run-coordinator keys. */
  key: string;
  /** The Montréal calendar date of the slot. */
  asOf: string;
}

/** The fire a schedule owes at `now`: its latest slot, unless that is older than the grace. */
export function dueFire(s: Schedule, now: Date): Fire | null {
  const slot = latestSlot(s.recurrence, now);
  if (now.getTime() - slot.getTime() > s.graceMs) return null;
  return { schedule: s, slot, key: `${s.name}:${slot.toISOString()}`, asOf: localDate(slot, TIME_ZONE) };
}
