import { dueFire, type Fire, type Schedule } from './schedule';

/** Time, as a port: production reads the system clock, tests move a fake one across DST and downtime. */
export interface Clock { now(): Date }
export const systemClock: Clock = { now: () => new Date() };

/**
 * Claims a slot for this replica and records its job, atomically. Returns the job id, or null when
 * the slot was already claimed (by another replica, or by this one before a restart).
 */
export interface SlotClaims { claim(fire: Fire): Promise<string | null> }

export interface SchedulerLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface TickResult { key: string; jobId: string | null }

/**
 * Decides what runs: on every tick, each schedule's latest due slot is claimed once. The trigger
 * (node-cron heartbeat, start-up, a test) only says "look now"; slots come from the pure schedule,
 * so a late, early, doubled or missing trigger can neither skip nor double a run.
 * Catch-up after downtime is the start-up tick: only the most recent slot is considered, so three
 * missed days give one run, not three.
 */
export class Scheduler {
  /** Last slot key settled (claimed by us or found taken) per schedule: spares the database a claim per tick. */
  private readonly settled = new Map<string, string>();
  private chain: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly schedules: readonly Schedule[],
    private readonly clock: Clock,
    private readonly claims: SlotClaims,
    private readonly log: SchedulerLog,
  ) {}

  /** Ticks never overlap: a start-up catch-up and a heartbeat arriving together run one after the other. */
  tick(): Promise<TickResult[]> {
    const run = this.chain.then(() => this.tickOnce());
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** No tick runs after this resolves: the in-flight one (if any) has finished and later ones do nothing. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.chain;
  }

  private async tickOnce(): Promise<TickResult[]> {
    if (this.stopped) return [];
    const now = this.clock.now();
    const results: TickResult[] = [];
    for (const schedule of this.schedules) {
      const fire = dueFire(schedule, now);
      if (!fire || this.settled.get(schedule.name) === fire.key) continue;
      try {
        const jobId = await this.claims.claim(fire);
        this.settled.set(schedule.name, fire.key);
        results.push({ key: fire.key, jobId });
        if (jobId) this.log.info({ key: fire.key, jobId, asOf: fire.asOf }, 'scheduled job requested');
      } catch (err) {
        // Not settled: the next tick tries the same slot again (a database blip must not lose a day).
        this.log.warn({ key: fire.key, err: (err as Error).message }, 'slot claim failed; will retry on the next tick');
      }
    }
    return results;
  }
}
