import pg from 'pg';
import { eventProducers, isEventType } from '@pc/contracts';
import { eventually } from '@pc/testkit';
import { fakeClock } from '../../services/scheduler/test/harness';
import { SCHEDULES } from '../../services/scheduler/src/domain/schedule';
import { ADMIN, json, startSystem, type System } from './system';

// Jobs and digests see what was accepted before them, through the whole system. Each test holds
// one consumer back with a table lock (a real fault: the consumer's transaction blocks), writes
// through the public API, then starts the work: it must wait — saying what for — and, once the
// lock is released, cover the write. Without the wait, each would run on partial data.
jest.setTimeout(300_000);

// Mid-month: the monthly report's slot is not due at start-up; the test moves the clock to it.
const clock = fakeClock('2027-03-14T12:00:00Z');
let sys: System;
let db: pg.Client;
let funderKey: string;

beforeAll(async () => {
  sys = await startSystem({
    env: { SCHEDULES_ENABLED: 'true' },
    scheduler: { clock, trigger: 'manual', schedules: SCHEDULES.filter((s) => s.kind === 'reports') },
  });
  db = new pg.Client({ connectionString: sys.databaseUrl });
  await db.connect();
  const funder = await json<{ id: string }>(
    await sys.call('POST', '/v1/funders', ADMIN, {
      name: 'Fondation Béati',
      kind: 'foundation',
      reportRecipients: ['rapports@beati.example'],
    }),
    201,
  );
  funderKey = await keyFor(funder.id);
  await programme(funderKey, 'SAVOIRS', { praxisFeeds: [`${sys.simulator.baseUrl}/carnets/carnet-savoirs/rss.xml`] });
}, 180_000);
afterAll(async () => {
  await db?.end();
  await sys?.stop();
});

async function keyFor(id: string): Promise<string> {
  return (
    await json<{ token: string }>(
      await sys.call('POST', '/v1/api-keys', ADMIN, { role: 'funder', funderId: id, label: 'suivi' }),
      201,
    )
  ).token;
}

async function programme(key: string, code: string, extra: Record<string, unknown> = {}): Promise<void> {
  await eventually(
    async () =>
      (await sys.call('POST', '/v1/programmes', key, { code, name: `Programme ${code}`, ...extra })).status === 201,
    `programme ${code} created once the agreements service knows the funder`,
    60_000,
  );
}

interface Agreement {
  id: string;
  referenceCode: string;
  obligations: Array<{ id: string }>;
}
async function agreement(key: string, programmeCode: string, externalRef: string, email: string): Promise<Agreement> {
  return json<Agreement>(
    await sys.call('POST', '/v1/agreements', key, {
      externalRef,
      programmeCode,
      title: `Projet ${externalRef}`,
      amount: { value: 1_000_000, currency: 'CAD' },
      startDate: '2027-01-01',
      endDate: '2027-12-31',
      signedAt: '2026-12-10',
      grantee: { name: `Organisme ${externalRef}`, contacts: [{ name: 'Dana Roy', email, locale: 'fr' }] },
      requirements: [{ kind: 'mid_term_note', count: 1, due: { date: '2027-07-01' } }],
    }),
    201,
  );
}

/** Holds a table in EXCLUSIVE mode (reads pass, writes wait) until `release()`: the consumer that writes it stalls. */
async function lockTable(table: string): Promise<{ release(): Promise<void> }> {
  const c = new pg.Client({ connectionString: sys.databaseUrl });
  await c.connect();
  await c.query('BEGIN');
  await c.query(`LOCK TABLE ${table} IN EXCLUSIVE MODE`);
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      await c.query('COMMIT');
      await c.end();
    },
  };
}

interface JobView {
  status: string;
  counts: Record<string, number>;
  error: string | null;
  waitingFor?: Array<{ service: string; queue: string; behind: number | null }>;
}
const jobView = async (id: string): Promise<JobView> =>
  json<JobView>(await sys.call('GET', `/v1/jobs/${id}`, ADMIN), 200);
const waitingJob = (id: string): Promise<JobView> =>
  eventually(async () => {
    const v = await jobView(id);
    if (v.status === 'succeeded' || v.status === 'failed')
      throw new Error(`job finished without waiting: ${JSON.stringify(v)}`);
    return v.status === 'waiting' && v;
  }, `job ${id} waiting`);
const finishedJob = (id: string): Promise<JobView> =>
  eventually(
    async () => {
      const v = await jobView(id);
      return (v.status === 'succeeded' || v.status === 'failed') && v;
    },
    `job ${id} finished`,
    120_000,
    200,
  );

it('a Praxis sync waits until the connector knows every agreement accepted before it, then matches its note', async () => {
  const lock = await lockTable('praxis_connector.agreement');
  try {
    const a = await agreement(funderKey, 'SAVOIRS', 'SYNC-1', 'sync@example.org');
    sys.simulator.createNote({
      title: 'Ce que nous avons appris',
      carnets: ['carnet-savoirs'],
      visibility: 'public',
      publishedAt: '2027-06-20',
      body: `Bilan du projet. Référence de l'entente : ${a.referenceCode}.`,
    });
    const job = await json<{ id: string }>(await sys.call('POST', '/v1/jobs/praxis-sync', ADMIN), 202);
    const waiting = await waitingJob(job.id);
    expect(waiting.waitingFor).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ service: 'agreements', queue: 'praxis-connector.agreements' }),
      ]),
    );
    expect(waiting.waitingFor!.find((w) => w.queue === 'praxis-connector.agreements')!.behind).toBeGreaterThan(0);
    await lock.release();
    const done = await finishedJob(job.id);
    expect(done).toMatchObject({ status: 'succeeded', error: null });
    expect(done.counts.matchesNew).toBe(1);
    expect(done.waitingFor).toBeUndefined();
    // The note reached the obligation: the sync covered the agreement registered before it.
    await eventually(async () => {
      const o = await json<{ status: string }>(
        await sys.call('GET', `/v1/obligations/${a.obligations[0]!.id}`, funderKey),
        200,
      );
      return o.status === 'fulfilled';
    }, 'obligation fulfilled by the discovered note');
  } finally {
    await lock.release();
  }
});

it('the monthly report waits until the read model has every agreement accepted before it', async () => {
  const lock = await lockTable('reports.agreement');
  try {
    await agreement(funderKey, 'SAVOIRS', 'REPORT-LATE-1', 'report@example.org');
    clock.set('2027-04-01T11:05:00Z'); // 07:05 in Montréal, the 1st: the monthly slot is due
    const [fired] = await sys.scheduler.scheduler.tick();
    expect(fired?.jobId).toBeTruthy();
    const jobId = fired!.jobId!;
    const waiting = await waitingJob(jobId);
    expect(waiting.waitingFor).toEqual(
      expect.arrayContaining([expect.objectContaining({ service: 'agreements', queue: 'reports.events' })]),
    );
    expect(sys.sink.messages.filter((m) => m.envelopeTo.includes('rapports@beati.example'))).toHaveLength(0);
    await lock.release();
    const done = await finishedJob(jobId);
    expect(done).toMatchObject({ status: 'succeeded', error: null });
    expect(done.counts.emailsSent).toBe(1);
    const mail = sys.sink.messages.find((m) => m.envelopeTo.includes('rapports@beati.example'))!;
    const csv = mail.parsed.attachments.map((x) => x.content.toString('utf8')).join('\n');
    expect(csv).toContain('REPORT-LATE-1');
  } finally {
    await lock.release();
  }
});

it("a run's digests wait until the notifier's directory knows the funder, so an escalation copies its recipients", async () => {
  const lock = await lockTable('notifier.funder');
  let runId: string | null = null;
  try {
    const funder = await json<{ id: string }>(
      await sys.call('POST', '/v1/funders', ADMIN, {
        name: 'Fonds de recherche',
        kind: 'research_fund',
        reportRecipients: ['suivi@fonds.example'],
      }),
      201,
    );
    const key = await keyFor(funder.id);
    await programme(key, 'ESCALADE', { reminderPolicy: { stages: [{ offsetDays: -30, escalate: true }] } });
    await agreement(key, 'ESCALADE', 'DIGEST-1', 'dana@example.org');
    const job = await json<{ id: string }>(
      await sys.call('POST', '/v1/jobs/evaluate', ADMIN, { asOf: '2027-06-15' }),
      202,
    );
    runId = job.id;
    expect(await finishedJob(job.id)).toMatchObject({ status: 'succeeded' });
    // The run is complete in the notifier, but its digests wait for the directory.
    await eventually(async () => {
      const { rows } = await db.query<{ reports: number; outcome: string | null }>(
        `SELECT reports, outcome FROM notifier.catch_up WHERE gate = 'digest' AND id = $1`,
        [runId],
      );
      return rows[0] !== undefined && rows[0].reports > 0 && rows[0].outcome === null;
    }, 'the run held until the directory caught up');
    expect(sys.sink.messages.filter((m) => m.envelopeTo.includes('dana@example.org'))).toHaveLength(0);
    await lock.release();
    const mail = await eventually(
      async () => sys.sink.messages.find((m) => m.envelopeTo.includes('dana@example.org')),
      'digest to the contact',
    );
    expect(mail.envelopeTo).toEqual(expect.arrayContaining(['dana@example.org', 'suivi@fonds.example']));
  } finally {
    await lock.release();
  }
});

it('every event type the whole system wrote to an outbox is listed with its producer in the catalog', async () => {
  const schemas: Record<string, string> = {
    edge: 'edge',
    agreements: 'agreements',
    obligations: 'obligations',
    'praxis-connector': 'praxis_connector',
    notifier: 'notifier',
    reports: 'reports',
    scheduler: 'scheduler',
  };
  const unlisted: string[] = [];
  let types = 0;
  for (const [service, schema] of Object.entries(schemas)) {
    const { rows } = await db.query<{ type: string }>(`SELECT DISTINCT type FROM ${schema}.outbox`);
    for (const { type } of rows) {
      types += 1;
      if (!isEventType(type) || !(eventProducers[type] as readonly string[]).includes(service))
        unlisted.push(`${service}: ${type}`);
    }
  }
  expect(types).toBeGreaterThan(10);
  expect(unlisted).toEqual([]);
});
