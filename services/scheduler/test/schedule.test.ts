import { localDate, zonedInstant } from '../src/domain/zoned-time';
import {
  dueFire,
  latestSlot,
  nextSlot,
  SCHEDULES,
  type Fire,
  type Recurrence,
  type Schedule,
} from '../src/domain/schedule';
import { Scheduler } from '../src/use-cases/fire-due-schedules';
import type { Clock, SlotClaims } from '../src/domain/ports';

// Montréal 2027: EST→EDT on Sunday 14 March at 02:00 (clocks jump to 03:00);
// EDT→EST on Sunday 7 November at 02:00 (clocks go back to 01:00, so 01:00–01:59 happens twice).
const tz = 'America/Montreal';
const daily = (hour: number, minute = 0): Recurrence => ({ every: 'day', hour, minute, tz });
const iso = (s: string): Date => new Date(s);

describe('zonedInstant: a local date + time as an instant', () => {
  it.each([
    ['2027-03-13', 6, 0, '2027-03-13T11:00:00.000Z', 'winter, UTC−5'],
    ['2027-03-14', 6, 0, '2027-03-14T10:00:00.000Z', 'the spring-forward day, already UTC−4 at 06:00'],
    ['2027-03-14', 2, 30, '2027-03-14T07:30:00.000Z', '02:30 does not exist: shifted forward to 03:30 EDT'],
    ['2027-03-14', 3, 0, '2027-03-14T07:00:00.000Z', 'first minute after the jump'],
    ['2027-11-07', 1, 30, '2027-11-07T05:30:00.000Z', '01:30 happens twice: the earlier (EDT) one'],
    ['2027-11-07', 6, 0, '2027-11-07T11:00:00.000Z', 'the fall-back day, back to UTC−5'],
    ['2027-07-01', 0, 0, '2027-07-01T04:00:00.000Z', 'midnight in summer'],
  ])('%s %i:%i → %s (%s)', (date, h, m, expected) => {
    expect(zonedInstant(date, h, m, tz).toISOString()).toBe(expected);
  });
});

describe('nextSlot: next daily 06:00 Montréal strictly after an instant', () => {
  it.each([
    ['2027-03-12T11:00:00Z', '2027-03-13T11:00:00.000Z'],
    ['2027-03-13T10:59:59Z', '2027-03-13T11:00:00.000Z'],
    ['2027-03-13T11:00:00Z', '2027-03-14T10:00:00.000Z'], // 23 h later: the short day is not skipped
    ['2027-03-14T07:00:00Z', '2027-03-14T10:00:00.000Z'], // right at the jump
    ['2027-03-14T10:00:00Z', '2027-03-15T10:00:00.000Z'],
    ['2027-11-06T10:00:00Z', '2027-11-07T11:00:00.000Z'], // 25 h later: the long day is not doubled
    ['2027-11-07T06:30:00Z', '2027-11-07T11:00:00.000Z'], // during the repeated hour (01:30 EST)
    ['2027-11-07T11:00:00Z', '2027-11-08T11:00:00.000Z'],
    ['2027-12-31T12:00:00Z', '2028-01-01T11:00:00.000Z'], // across the year
  ])('after %s → %s', (after, expected) => {
    expect(nextSlot(daily(6), iso(after)).toISOString()).toBe(expected);
  });

  it.each([
    // 02:30 does not exist on 14 March: that day's run is at 03:30 EDT, once.
    [daily(2, 30), '2027-03-13T07:30:00Z', '2027-03-14T07:30:00.000Z'],
    [daily(2, 30), '2027-03-14T07:30:00Z', '2027-03-15T06:30:00.000Z'],
    // 01:30 happens twice on 7 November: one run at the first, none at the second.
    [daily(1, 30), '2027-11-06T05:30:00Z', '2027-11-07T05:30:00.000Z'],
    [daily(1, 30), '2027-11-07T05:30:00Z', '2027-11-08T06:30:00.000Z'],
    [daily(1, 30), '2027-11-07T06:29:00Z', '2027-11-08T06:30:00.000Z'],
  ])('%o after %s → %s', (r, after, expected) => {
    expect(nextSlot(r, iso(after)).toISOString()).toBe(expected);
  });
});

describe('latestSlot: the most recent slot at or before an instant', () => {
  it.each([
    [daily(6), '2027-03-14T09:59:59Z', '2027-03-13T11:00:00.000Z'],
    [daily(6), '2027-03-14T10:00:00Z', '2027-03-14T10:00:00.000Z'],
    [daily(6), '2027-11-07T10:30:00Z', '2027-11-06T10:00:00.000Z'], // 05:30 EST: today's run not yet due
    [daily(1, 30), '2027-11-07T06:45:00Z', '2027-11-07T05:30:00.000Z'], // second 01:45: still the first 01:30's slot
    [{ every: 'hour', minute: 0 }, '2027-11-07T06:59:59Z', '2027-11-07T06:00:00.000Z'],
    [{ every: 'month', day: 1, hour: 7, minute: 0, tz }, '2027-01-01T11:59:00Z', '2026-12-01T12:00:00.000Z'],
    [{ every: 'month', day: 1, hour: 7, minute: 0, tz }, '2027-04-01T11:00:00Z', '2027-04-01T11:00:00.000Z'], // 07:00 EDT
  ] as [Recurrence, string, string][])('%o at %s → %s', (r, at, expected) => {
    expect(latestSlot(r, iso(at)).toISOString()).toBe(expected);
  });

  it('is consistent with nextSlot every 61 minutes through 2027', () => {
    for (const r of [
      daily(6),
      daily(2, 30),
      daily(1, 30),
      { every: 'month', day: 1, hour: 7, minute: 0, tz } as Recurrence,
    ]) {
      for (let t = Date.parse('2027-01-01T00:00:00Z'); t < Date.parse('2028-01-01T00:00:00Z'); t += 61 * 60_000) {
        const latest = latestSlot(r, new Date(t));
        expect(latest.getTime()).toBeLessThanOrEqual(t);
        expect(nextSlot(r, latest).getTime()).toBeGreaterThan(t);
      }
    }
  });
});

/** In-memory claims: the domain port's fake twin (the PostgreSQL one is tested in scheduler.test.ts). */
class MemoryClaims implements SlotClaims {
  readonly fired: Fire[] = [];
  failNext = 0;
  private readonly keys = new Set<string>();
  async claim(fire: Fire): Promise<string | null> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('database unavailable');
    }
    if (this.keys.has(fire.key)) return null;
    this.keys.add(fire.key);
    this.fired.push(fire);
    return `job-${this.fired.length}`;
  }
}
const quiet = { info: () => undefined, warn: () => undefined };
const fakeClock = (start: string): Clock & { t: number } => {
  const c = { t: Date.parse(start), now: () => new Date(c.t) };
  return c;
};
const dailySchedule = (hour: number, minute = 0): Schedule => ({
  name: `daily-${hour}-${minute}`,
  kind: 'evaluate',
  recurrence: daily(hour, minute),
  graceMs: Infinity,
});

describe('Scheduler with a fake clock across a whole year (2027)', () => {
  it.each([
    [6, 0],
    [2, 30],
    [1, 30],
  ])('a daily %i:%i schedule fires exactly once per Montréal day, DST days included', async (hour, minute) => {
    const clock = fakeClock('2027-01-01T05:00:00Z'); // 00:00 EST on 1 January
    const claims = new MemoryClaims();
    const s = new Scheduler([dailySchedule(hour, minute)], clock, claims, quiet);
    for (; clock.t < Date.parse('2028-01-01T05:00:00Z'); clock.t += 47 * 60_000) await s.tick(); // any step under 23 h must work
    // The first tick catches up 31 December's run (the latest slot), then one run per day of 2027.
    const days = claims.fired.map((f) => f.asOf);
    expect(days[0]).toBe('2026-12-31');
    expect(days).toHaveLength(366);
    expect(new Set(days).size).toBe(366);
    expect(days.slice(1).every((d) => d.startsWith('2027-'))).toBe(true);
    for (const f of claims.fired) expect(localDate(f.slot, tz)).toBe(f.asOf);
    const at = (day: string): string | undefined => claims.fired.find((f) => f.asOf === day)?.slot.toISOString();
    if (hour === 6) {
      expect(at('2027-03-14')).toBe('2027-03-14T10:00:00.000Z');
      expect(at('2027-11-07')).toBe('2027-11-07T11:00:00.000Z');
    }
    if (hour === 2) expect(at('2027-03-14')).toBe('2027-03-14T07:30:00.000Z');
    if (hour === 1) expect(at('2027-11-07')).toBe('2027-11-07T05:30:00.000Z');
  });

  it('hourly Praxis sync fires 25 times on the long November day and 23 on the short March day', async () => {
    const clock = fakeClock('2027-03-14T05:00:00Z');
    const claims = new MemoryClaims();
    const s = new Scheduler(
      SCHEDULES.filter((x) => x.kind === 'praxis_sync'),
      clock,
      claims,
      quiet,
    );
    const countDay = async (from: string, to: string): Promise<number> => {
      claims.fired.length = 0;
      for (clock.t = Date.parse(from); clock.t < Date.parse(to); clock.t += 5 * 60_000) await s.tick();
      return claims.fired.length;
    };
    expect(await countDay('2027-03-14T05:00:00Z', '2027-03-15T04:00:00Z')).toBe(23); // local midnight to midnight
    expect(await countDay('2027-11-07T04:00:00Z', '2027-11-08T05:00:00Z')).toBe(25);
  });

  it('catches up a missed daily run once after three days down, then runs normally', async () => {
    const clock = fakeClock('2027-03-10T12:00:00Z');
    const claims = new MemoryClaims();
    await new Scheduler([dailySchedule(6)], clock, claims, quiet).tick();
    expect(claims.fired.map((f) => f.asOf)).toEqual(['2027-03-10']);
    clock.t += 3 * 24 * 3_600_000; // down until 2027-03-13T12:00Z (07:00 EST)
    const restarted = new Scheduler([dailySchedule(6)], clock, claims, quiet);
    await restarted.tick();
    await restarted.tick();
    expect(claims.fired.map((f) => f.asOf)).toEqual(['2027-03-10', '2027-03-13']);
  });

  it('retries a slot whose claim failed on the next tick (a database blip does not lose a day)', async () => {
    const clock = fakeClock('2027-05-01T10:00:00Z');
    const claims = new MemoryClaims();
    const s = new Scheduler([dailySchedule(6)], clock, claims, quiet);
    claims.failNext = 1;
    expect(await s.tick()).toEqual([]);
    clock.t += 60_000;
    expect(await s.tick()).toEqual([{ key: 'daily-6-0:2027-05-01T10:00:00.000Z', jobId: 'job-1' }]);
  });

  it('does not fire a monthly report more than a day late (first start mid-month)', () => {
    const reports = SCHEDULES.find((x) => x.kind === 'reports')!;
    expect(dueFire(reports, iso('2027-02-01T13:00:00Z'))?.key).toBe('reports:2027-02-01T12:00:00.000Z');
    expect(dueFire(reports, iso('2027-02-15T12:00:00Z'))).toBeNull();
  });
});
