import { todayInMontreal } from '@pc/service-kit';
import type { Clock } from '../domain/ports';

export const systemClock: Clock = { now: () => new Date(), today: () => todayInMontreal() };

/** A clock stuck on a given day (tests, rehearsals). */
export function fixedClock(today: string, now: Date = new Date(`${today}T16:00:00Z`)): Clock {
  return { now: () => now, today: () => today };
}
