import { getTasks } from 'node-cron';
import type pg from 'pg';
import { asPrincipal, eventually, testEnv, type TestEnv } from '@pc/testkit';
import { loadSchedulerConfig } from '../src/config';
import { startScheduler, type RunningScheduler, type SchedulerOptions } from '../src/main';
import { count, db, DAY, fakeClock, HOUR, logger } from './harness';

// Scheduled jobs on the real database, driven by a fake clock: exactly one replica fires each slot,
// downtime is caught up once, DST neither skips nor doubles the daily evaluation, and stop() stops cron.
let t: TestEnv;
let sql: pg.Client;
const running: RunningScheduler[] = [];

beforeEach(async () => {
  t = await testEnv();
  sql = await db(t.databaseUrl);
});
afterEach(async () => {
  await Promise.allSettled(running.splice(0).map((s) => s.stop()));
  await sql.end();
  t.cleanup();
});

async function start(opts: SchedulerOptions): Promise<RunningScheduler> {
  const svc = await startScheduler(loadSchedulerConfig(t.env), logger, { trigger: 'manual', ...opts });
  running.push(svc);
  return svc;
}
async function stop(svc: RunningScheduler): Promise<void> {
  running.splice(running.indexOf(svc), 1);
  await svc.stop();
}
interface Row {
  key: string;
  kind: string;
  as_of: string;
  status: string;
  job_id: string;
}
const scheduledJobs = async (kind?: string): Promise<Row[]> =>
  (
    await sql.query<Row>(
      `SELECT f.key, j.kind, j.as_of, j.status, f.job_id FROM cron_fire f JOIN job j ON j.id = f.job_id
   WHERE j.trigger = 'schedule' AND ($1::text IS NULL OR j.kind = $1) ORDER BY f.slot, f.key`,
      [kind ?? null],
    )
  ).rows;

describe('two replicas on one database', () => {
  it('fire each slot exactly once, across the March and November 2027 DST changes', async () => {
    const clock = fakeClock('2027-03-12T12:00:00Z');
    const [a, b] = await Promise.all([start({ clock }), start({ clock })]);
    const outcomes = { won: 0, lost: 0 };
    const walk = async (until: string): Promise<void> => {
      for (; clock.now() < new Date(until); clock.advance(20 * 60_000)) {
        for (const r of (await Promise.all([a!.scheduler.tick(), b!.scheduler.tick()])).flat())
          outcomes[r.jobId ? 'won' : 'lost'] += 1;
      }
    };
    await walk('2027-03-16T12:00:00Z');
    clock.set('2027-11-05T12:00:00Z'); // both replicas were "asleep" for months: one catch-up, not 234
    await walk('2027-11-09T12:00:00Z');

    const evaluations = await scheduledJobs('evaluate');
    expect(evaluations.map((r) => r.key)).toEqual([
      'evaluation:2027-03-12T11:00:00.000Z',
      'evaluation:2027-03-13T11:00:00.000Z',
      'evaluation:2027-03-14T10:00:00.000Z', // spring forward: 06:00 EDT, 23 h after the day before
      'evaluation:2027-03-15T10:00:00.000Z',
      'evaluation:2027-03-16T10:00:00.000Z',
      'evaluation:2027-11-05T10:00:00.000Z',
      'evaluation:2027-11-06T10:00:00.000Z',
      'evaluation:2027-11-07T11:00:00.000Z', // fall back: 06:00 EST, 25 h after the day before
      'evaluation:2027-11-08T11:00:00.000Z',
      'evaluation:2027-11-09T11:00:00.000Z',
    ]);
    expect(evaluations.map((r) => r.as_of)).toEqual([
      '2027-03-12',
      '2027-03-13',
      '2027-03-14',
      '2027-03-15',
      '2027-03-16',
      '2027-11-05',
      '2027-11-06',
      '2027-11-07',
      '2027-11-08',
      '2027-11-09',
    ]);
    // Hourly Praxis sync: every hour of both four-day walks once (96 + 96), the repeated 01:00 hour of 7 November included.
    expect((await scheduledJobs('praxis_sync')).length).toBe(192);
    // One job and one job.requested.v1 per claimed slot, whichever replica won it.
    expect(await count(sql, 'SELECT count(*) n FROM job')).toBe(await count(sql, 'SELECT count(*) n FROM cron_fire'));
    expect(await count(sql, "SELECT count(*) n FROM outbox WHERE type = 'job.requested.v1'")).toBe(
      await count(sql, 'SELECT count(*) n FROM job'),
    );
    // Both replicas tried every slot of the walks; each time one won and the other found it taken.
    expect(outcomes).toEqual({ won: 200, lost: 200 }); // + the 2 slots claimed at start-up = 202
    expect(await count(sql, 'SELECT count(*) n FROM cron_fire')).toBe(202);
    expect(
      await count(
        sql,
        'SELECT count(*) n FROM (SELECT kind, as_of FROM job WHERE kind = $1 GROUP BY 1, 2 HAVING count(*) > 1) d',
        ['evaluate'],
      ),
    ).toBe(0);
  });
});

describe('catch-up after downtime', () => {
  it('runs the missed daily evaluation once after three days down, not once per day, and not again after a restart', async () => {
    const clock = fakeClock('2027-03-10T12:00:00Z'); // 07:00 in Montréal: that day's 06:00 run is due
    await stop(await start({ clock }));
    expect((await scheduledJobs('evaluate')).map((r) => r.as_of)).toEqual(['2027-03-10']);

    clock.advance(3 * DAY);
    const svc = await start({ clock });
    const evaluations = await scheduledJobs('evaluate');
    expect(evaluations.map((r) => r.as_of)).toEqual(['2027-03-10', '2027-03-13']);

    // The catch-up job is a job like any other.
    const res = await fetch(`http://127.0.0.1:${svc.port}/v1/jobs/${evaluations[1]!.job_id}`, {
      headers: asPrincipal({ role: 'admin' }),
    });
    expect(await res.json()).toMatchObject({
      id: evaluations[1]!.job_id,
      kind: 'evaluate',
      asOf: '2027-03-13',
      status: 'queued',
    });

    await stop(svc);
    await stop(await start({ clock })); // restarted again the same morning: the slot is already taken
    expect((await scheduledJobs('evaluate')).length).toBe(2);
  });

  it("catches up yesterday's run when restarted before today's 06:00", async () => {
    const clock = fakeClock('2027-06-20T08:00:00Z'); // 04:00 EDT
    await start({ clock });
    expect((await scheduledJobs('evaluate')).map((r) => r.key)).toEqual(['evaluation:2027-06-19T10:00:00.000Z']);
  });

  it('requests the monthly reports on the 1st at 07:00 Montréal', async () => {
    const clock = fakeClock('2027-12-01T11:30:00Z'); // 06:30 EST
    const svc = await start({ clock });
    expect(await scheduledJobs('reports')).toEqual([]);
    clock.set('2027-12-01T12:00:30Z');
    await svc.scheduler.tick();
    expect((await scheduledJobs('reports')).map((r) => [r.key, r.as_of])).toEqual([
      ['reports:2027-12-01T12:00:00.000Z', '2027-12-01'],
    ]);
  });

  it('does nothing on its own when SCHEDULES_ENABLED=false', async () => {
    t.env.SCHEDULES_ENABLED = 'false';
    await start({ clock: fakeClock('2027-06-20T12:00:00Z'), trigger: 'node-cron' });
    expect(await count(sql, 'SELECT count(*) n FROM cron_fire')).toBe(0);
    expect(await count(sql, 'SELECT count(*) n FROM job')).toBe(0);
  });
});

describe('node-cron trigger', () => {
  it('drives the ticks while running, and stop() stops it: no slot fires after shutdown', async () => {
    const clock = fakeClock('2027-06-20T12:30:00Z');
    const svc = await start({ clock, trigger: 'node-cron', heartbeat: '* * * * * *' }); // a beat per second
    const ourTask = svc.cron!.task;
    expect(getTasks().get(ourTask.id)).toBe(ourTask);
    const praxis = (): Promise<number> => count(sql, "SELECT count(*) n FROM job WHERE kind = 'praxis_sync'");
    expect(await praxis()).toBe(1); // start-up tick: the 12:00 slot

    clock.advance(HOUR); // 13:30: the 13:00 slot is due, only a heartbeat can notice
    await eventually(async () => (await praxis()) === 2, 'heartbeat fired the 13:00 slot', 15_000);

    await stop(svc);
    expect(ourTask.getStatus()).toBe('destroyed');
    expect(getTasks().has(ourTask.id)).toBe(false);
    clock.advance(HOUR);
    await new Promise((r) => setTimeout(r, 2_500));
    expect(await praxis()).toBe(2);
  });
});
