import type { Fire } from './schedule';

/** Time, as a port: production reads the system clock, tests move a fake one across DST and downtime. */
export interface Clock {
  now(): Date;
}

/**
 * Claims a slot for this replica and records its job, atomically. Returns the job id, or null when
 * the slot was already claimed (by another replica, or by this one before a restart).
 */
export interface SlotClaims {
  claim(fire: Fire): Promise<string | null>;
}

export interface SchedulerLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}
