import { dueFire, type Schedule } from '../domain/schedule';
import type { Clock, SchedulerLog, SlotClaims } from '../domain/ports';

export interface TickResult {
  key: string;
  jobId: string | null;
}

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

  /**
   * Ticks never overlap: a start-up catch-up and a heartbeat arriving together run one after the other.
   * A chain rather than @pc/bus's singleFlight: every caller gets the slots its own tick claimed.
   */
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
