import type pg from 'pg';
import { metrics } from '@pc/service-kit';
import type { Envelope, EventData } from '@pc/contracts';
import { asPrincipal, eventually, testEnv, type EventTap, type TestEnv } from '@pc/testkit';
import { loadSchedulerConfig } from '../src/config';
import { startScheduler, type RunningScheduler } from '../src/main';
import { count, db, fakeClock, FakeWorker, logger } from './harness';

// The job routes and the job lifecycle over the real broker. Scheduled jobs are off here
// (SCHEDULES_ENABLED=false): every job in this file comes from a route.
let t: TestEnv;
let svc: RunningScheduler;
let sql: pg.Client;
let worker: FakeWorker;
let base: string;
// 03:30 UTC on 14 March is still 13 March (22:30) in Montréal: the default asOf must say so.
const clock = fakeClock('2027-03-14T03:30:00Z');
const admin = { ...asPrincipal({ role: 'admin' }), 'content-type': 'application/json' };

beforeAll(async () => {
  t = await testEnv({ SCHEDULES_ENABLED: 'false' });
  svc = await startScheduler(loadSchedulerConfig(t.env), logger, { clock });
  base = `http://127.0.0.1:${svc.port}`;
  sql = await db(t.databaseUrl);
  worker = await FakeWorker.connect(t.amqpUrl);
});
afterAll(async () => {
  await worker?.close();
  await sql?.end();
  await svc?.stop();
  t?.cleanup();
});

const post = (path: string, body?: unknown, headers: Record<string, string> = admin): Promise<Response> =>
  fetch(base + path, { method: 'POST', headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
const getJob = async (id: string, headers: Record<string, string> = admin): Promise<Response> =>
  fetch(`${base}/v1/jobs/${id}`, { headers });
const stored = async (): Promise<{ jobs: number; outbox: number }> => ({
  jobs: await count(sql, 'SELECT count(*) n FROM job'),
  outbox: await count(sql, 'SELECT count(*) n FROM outbox'),
});
const ADMIN_KEY = '00000000-0000-4000-8000-000000000001';
/** The job.requested.v1 a tap received for a job (the worker side hears of every queued job). */
const requestedFor = (tap: EventTap<'job.requested.v1'>, id: string): Promise<Envelope<'job.requested.v1'>> =>
  eventually(async () => tap.messages.find((e) => e.data.jobId === id), `job.requested.v1 for ${id} on the bus`);
/** What the job table holds for a job, beyond what GET shows: how it was requested and by whom. */
const jobRow = async (id: string): Promise<{ trigger: string; requested_by: string } | undefined> =>
  (
    await sql.query<{ trigger: string; requested_by: string }>('SELECT trigger, requested_by FROM job WHERE id = $1', [
      id,
    ])
  ).rows[0];
/** GET /v1/jobs/{id} of a job a route has just queued. */
const queuedJob = (id: string, kind: string, asOf: string): Record<string, unknown> => ({
  id,
  kind,
  status: 'queued',
  asOf,
  startedAt: null,
  finishedAt: null,
  counts: {},
  error: null,
});
/** The data of the job.requested.v1 a route publishes: the calling key is its actor. */
const requestedData = (jobId: string, kind: string, asOf: string, keyId = ADMIN_KEY): Record<string, unknown> => ({
  jobId,
  kind,
  asOf,
  actor: { kind: 'api_key', id: keyId },
});
/** job.requested.v1 rows of a job in the outbox: 1 when they were enqueued in the job's own transaction. */
const requestedInOutbox = (id: string): Promise<number> =>
  count(sql, "SELECT count(*) n FROM outbox WHERE subject = $1 AND type = 'job.requested.v1'", [id]);
type Finished = EventData<'job.finished.v1'>;
/** A worker's job.finished.v1 for an evaluation (other fields as given). */
const finished = (jobId: string, status: Finished['status'], at: string, more: Partial<Finished> = {}): Finished => ({
  jobId,
  kind: 'evaluate',
  status,
  counts: {},
  error: null,
  at,
  ...more,
});

describe('POST /v1/jobs/evaluate and /v1/jobs/praxis-sync', () => {
  it('answers 202 {id}, stores a queued job and publishes job.requested.v1 (same transaction)', async () => {
    const requested = await worker.listenRequested();
    const res = await post('/v1/jobs/evaluate', { asOf: '2027-02-28' });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const job = await (await getJob(id)).json();
    expect(job).toEqual(queuedJob(id, 'evaluate', '2027-02-28'));
    const event = await eventually(
      async () => requested.messages.find((e) => e.data.jobId === id),
      'job.requested.v1 on the bus',
    );
    expect(event.data).toEqual(requestedData(id, 'evaluate', '2027-02-28'));
    expect(await requestedInOutbox(id)).toBe(1);
  });

  it('defaults asOf to today in Montréal, not in UTC', async () => {
    const requested = await worker.listenRequested();
    const res = await post('/v1/jobs/evaluate');
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    expect(((await (await getJob(id)).json()) as { asOf: string }).asOf).toBe('2027-03-13');
    // The worker evaluates as of the same day the operator is shown.
    expect((await requestedFor(requested, id)).data.asOf).toBe('2027-03-13');
  });

  it('accepts any past or future day (backfills, rehearsals): each a queued job of its own, evaluated as of that day', async () => {
    const requested = await worker.listenRequested();
    const ids: string[] = [];
    for (const asOf of ['1999-12-31', '2031-02-28', '2028-02-29']) {
      const res = await post('/v1/jobs/evaluate', { asOf });
      expect(res.status).toBe(202);
      const { id } = (await res.json()) as { id: string };
      ids.push(id);
      expect(await (await getJob(id)).json()).toEqual(queuedJob(id, 'evaluate', asOf));
      expect((await requestedFor(requested, id)).data).toEqual(requestedData(id, 'evaluate', asOf));
    }
    expect(new Set(ids).size).toBe(3);
  });

  it('queues a Praxis sync and tells the worker (job.requested.v1, same transaction)', async () => {
    const requested = await worker.listenRequested();
    const res = await post('/v1/jobs/praxis-sync');
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    expect(await (await getJob(id)).json()).toMatchObject({
      id,
      kind: 'praxis_sync',
      status: 'queued',
      asOf: '2027-03-13',
    });
    const event = await requestedFor(requested, id);
    expect(event).toMatchObject({ type: 'job.requested.v1', subject: id, source: 'scheduler' });
    expect(event.data).toEqual(requestedData(id, 'praxis_sync', '2027-03-13'));
    expect(await requestedInOutbox(id)).toBe(1);
  });

  it('records who asked from the signed identity only: the calling key is the actor of the job and of its event', async () => {
    const requested = await worker.listenRequested();
    const otherAdmin = {
      ...asPrincipal({ role: 'admin', keyId: '0f0e0d0c-0b0a-4908-8706-050403020100' }),
      'content-type': 'application/json',
    };
    const res = await post('/v1/jobs/evaluate', { asOf: '2027-03-01' }, otherAdmin);
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    expect(await jobRow(id)).toEqual({ trigger: 'api', requested_by: '0f0e0d0c-0b0a-4908-8706-050403020100' });
    expect((await requestedFor(requested, id)).data.actor).toEqual({
      kind: 'api_key',
      id: '0f0e0d0c-0b0a-4908-8706-050403020100',
    });
    // Any admin follows any job (jobs belong to the platform, not to a funder); other roles get 403 (below).
    expect((await getJob(id)).status).toBe(200);
  });

  it("the job a route queues is the one its worker hears of, and the worker's report reaches GET /v1/jobs/{id}", async () => {
    const requested = await worker.listenRequested();
    const { id } = (await (await post('/v1/jobs/praxis-sync')).json()) as { id: string };
    const heard = await requestedFor(requested, id);
    // The worker answers from what the event told it, as the connector does.
    await worker.finished({
      jobId: heard.data.jobId,
      kind: heard.data.kind,
      status: 'running',
      counts: {},
      error: null,
      at: '2027-03-14T03:31:00.000Z',
    });
    await worker.finished({
      jobId: heard.data.jobId,
      kind: heard.data.kind,
      status: 'succeeded',
      counts: { feeds: 2, notes: 7 },
      error: null,
      at: '2027-03-14T03:31:05.000Z',
    });
    await eventually(
      async () => ((await (await getJob(id)).json()) as { status: string }).status === 'succeeded',
      'the sync reported succeeded',
    );
    expect(await (await getJob(id)).json()).toEqual({
      id,
      kind: 'praxis_sync',
      status: 'succeeded',
      asOf: '2027-03-13',
      startedAt: '2027-03-14T03:31:00.000Z',
      finishedAt: '2027-03-14T03:31:05.000Z',
      counts: { feeds: 2, notes: 7 },
      error: null,
    });
  });

  it.each([
    [{ asOf: '2027-02-30' }, 'asOf'],
    [{ asOf: 'tomorrow' }, 'asOf'],
    [{ asOf: '2027-2-3' }, 'asOf'],
    [{ asOf: null }, 'asOf'],
    [{ asOf: '2027-03-01', when: 'now' }, 'when'],
  ])('refuses %o with 422 naming %s, and stores nothing', async (body, path) => {
    const before = await stored();
    const res = await post('/v1/jobs/evaluate', body);
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await res.json()) as { errors: { path: string }[] };
    expect(problem.errors.map((e) => e.path)).toEqual([path]);
    expect(await stored()).toEqual(before);
  });

  it.each([
    ['funder', { role: 'funder', funderId: '11111111-1111-4111-8111-111111111111' }],
    ['auditor', { role: 'auditor', funderIds: ['11111111-1111-4111-8111-111111111111'] }],
    ['grantee', { role: 'grantee', granteeId: '22222222-2222-4222-8222-222222222222' }],
  ] as [string, Parameters<typeof asPrincipal>[0]][])(
    'answers 403 to a %s on every job route, and stores nothing',
    async (_role, p) => {
      const headers = { ...asPrincipal(p), 'content-type': 'application/json' };
      const { id } = (await (await post('/v1/jobs/praxis-sync')).json()) as { id: string };
      const before = await stored();
      expect((await post('/v1/jobs/evaluate', { asOf: '2027-03-01' }, headers)).status).toBe(403);
      expect((await post('/v1/jobs/praxis-sync', undefined, headers)).status).toBe(403);
      expect((await getJob(id, headers)).status).toBe(403);
      expect(await stored()).toEqual(before);
    },
  );

  it('answers 401 to a call without the identity the edge signs', async () => {
    expect((await post('/v1/jobs/praxis-sync', undefined, { 'content-type': 'application/json' })).status).toBe(401);
  });
});

describe('GET /v1/jobs/{id}', () => {
  it('answers 404 for an unknown job and 422 for an id that is not a UUID', async () => {
    const res = await getJob('7b0f4c1e-9d7a-4c2b-8f3e-2a1d5e6f7a8b');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect((await getJob('not-a-job')).status).toBe(422);
  });
});

describe('job lifecycle from job.finished.v1 (scheduler.jobs queue)', () => {
  const newJob = async (): Promise<string> =>
    ((await (await post('/v1/jobs/evaluate', { asOf: '2027-03-01' })).json()) as { id: string }).id;
  const job = async (id: string): Promise<Record<string, unknown>> =>
    (await getJob(id)).json() as Promise<Record<string, unknown>>;
  const ignored = async (reason: string): Promise<number> =>
    (await metrics.registry.getSingleMetric('scheduler_job_events_ignored_total')!.get()).values.find(
      (v) => v.labels.reason === reason,
    )?.value ?? 0;

  it('goes queued → running → succeeded with the worker counts', async () => {
    const id = await newJob();
    await worker.finished(finished(id, 'running', '2027-03-14T11:00:01.000Z'));
    await eventually(async () => (await job(id)).status === 'running', 'running');
    expect(await job(id)).toMatchObject({ startedAt: '2027-03-14T11:00:01.000Z', finishedAt: null });
    await worker.finished(
      finished(id, 'succeeded', '2027-03-14T11:00:09.500Z', { counts: { evaluated: 40, reminders: 3 } }),
    );
    await eventually(async () => (await job(id)).status === 'succeeded', 'succeeded');
    expect(await job(id)).toEqual({
      id,
      kind: 'evaluate',
      status: 'succeeded',
      asOf: '2027-03-01',
      startedAt: '2027-03-14T11:00:01.000Z',
      finishedAt: '2027-03-14T11:00:09.500Z',
      counts: { evaluated: 40, reminders: 3 },
      error: null,
    });
  });

  it('records a failure with its error', async () => {
    const id = await newJob();
    await worker.finished(
      finished(id, 'failed', '2027-03-14T11:05:00.000Z', { counts: { evaluated: 2 }, error: 'database unavailable' }),
    );
    await eventually(async () => (await job(id)).status === 'failed', 'failed');
    expect(await job(id)).toMatchObject({
      error: 'database unavailable',
      counts: { evaluated: 2 },
      finishedAt: '2027-03-14T11:05:00.000Z',
      startedAt: null,
    });
  });

  it('is idempotent and never moves a finished job back (redelivery, late running, second outcome)', async () => {
    const id = await newJob();
    const done = finished(id, 'succeeded', '2027-03-14T12:00:10.000Z', { counts: { evaluated: 5 } });
    const eventId = await worker.finished(done);
    await eventually(async () => (await job(id)).status === 'succeeded', 'succeeded');
    const stale = await ignored('stale');
    await worker.finished(done, eventId); // the same message again
    await worker.finished({ ...done, status: 'failed', error: 'late failure', counts: {} });
    await worker.finished({ ...done, status: 'running', counts: {}, at: '2027-03-14T12:00:00.000Z' }); // out of order
    await eventually(async () => (await ignored('stale')) >= stale + 1, 'late outcome ignored');
    await eventually(
      async () => (await job(id)).startedAt === '2027-03-14T12:00:00.000Z',
      'late running fills startedAt only',
    );
    expect(await job(id)).toMatchObject({
      status: 'succeeded',
      counts: { evaluated: 5 },
      error: null,
      finishedAt: '2027-03-14T12:00:10.000Z',
    });
    expect(await count(sql, 'SELECT count(*) n FROM inbox WHERE message_id = $1', [eventId])).toBe(1);
  });

  it('ignores and counts an event for an unknown job, and goes on consuming', async () => {
    const before = await ignored('unknown_job');
    await worker.finished(
      finished('3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f', 'succeeded', '2027-03-14T12:00:00.000Z', {
        kind: 'praxis_sync',
      }),
    );
    await eventually(async () => (await ignored('unknown_job')) === before + 1, 'unknown job counted');
    expect(await count(sql, "SELECT count(*) n FROM job WHERE id = '3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f'")).toBe(0);
    const id = await newJob();
    await worker.finished(finished(id, 'running', '2027-03-14T12:01:00.000Z'));
    await eventually(async () => (await job(id)).status === 'running', 'later event still applied');
  });
});
