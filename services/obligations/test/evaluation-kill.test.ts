/* eslint-disable @typescript-eslint/no-explicit-any -- event payloads are asserted with toMatchObject */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { BusConnection, EXCHANGE } from '@pc/bus';
import { createLogger } from '@pc/service-kit';
import { eventually, freePort, isAlive, killHard, spawnTs, testEnv, type TestEnv } from '@pc/testkit';
import { startObligations, type RunningService } from '../src/main';
import { loadObligationsConfig } from '../src/config';
import { uuid } from './helpers';

// The real fault: the process running an evaluation is SIGKILLed half-way. Another process resumes
// the run from its last committed batch; every reminder stage goes out once (one id each), and the
// run closes once with the full count.
let t: TestEnv;
let child: ChildProcess | null = null;
let svc: RunningService | null = null;
let db: pg.Client;
let bus: BusConnection;

beforeAll(async () => {
  t = await testEnv({ LOG_LEVEL: 'silent', EVALUATION_LEASE_SECONDS: '2' });
}, 60_000);
afterAll(async () => {
  if (child) await killHard(child);
  await bus?.close();
  await db?.end();
  await svc?.stop();
  t?.cleanup();
});

it('resumes an evaluation whose process was killed half-way, with no duplicate reminder event', async () => {
  const port = await freePort();
  // node itself runs the service: the pid killed below is the process doing the evaluation
  child = spawnTs(path.join(__dirname, '..', 'src', 'main.ts'), {
    env: { ...t.env, PORT: String(port), EVALUATION_BATCH_SIZE: '5' },
  });
  const workerPid = child.pid!;
  await eventually(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, 'child service ready', 60_000, 200);

  db = new pg.Client({ connectionString: t.databaseUrl, options: '-c search_path=obligations' });
  await db.connect();
  // 1,000 open obligations, each with its D-7 stage due on 2027-07-08 (seeded in SQL: the fault is the point here)
  const agreementId = uuid();
  await db.query(
    `INSERT INTO agreement (id, funder_id, programme_id, programme_code, external_ref, reference_code, title, start_date, end_date, grantee_id, grantee_name, contacts, revision)
    VALUES ($1, gen_random_uuid(), gen_random_uuid(), 'PRG', 'EXT-1', 'PX-KILL-0001', 'Entente', '2027-01-01', '2027-12-31', gen_random_uuid(), 'Organisme', '[]', 1)`,
    [agreementId],
  );
  await db.query(`INSERT INTO obligation (id, agreement_id, funder_id, programme_id, grantee_id, requirement_id, kind, sequence, due_date, derived_due_date, status)
    SELECT gen_random_uuid(), a.id, a.funder_id, a.programme_id, a.grantee_id, a.id, 'learning_note', g, '2027-07-15', '2027-07-15', 'due_soon'
    FROM agreement a CROSS JOIN generate_series(1, 1000) g`);

  const logger = createLogger('test', 'silent');
  bus = await BusConnection.connect(t.amqpUrl, logger);
  const ch = await bus.channel();
  await ch.assertQueue('kill.sink', { durable: true });
  await ch.bindQueue('kill.sink', EXCHANGE, 'reminder.#');
  const jobId = uuid();
  const envelope = {
    specversion: '1.0',
    id: uuid(),
    source: 'test',
    type: 'job.requested.v1',
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data: { jobId, kind: 'evaluate', asOf: '2027-07-08', actor: { kind: 'system', id: 'test' } },
  };
  ch.publish(EXCHANGE, 'job.requested.v1', Buffer.from(JSON.stringify(envelope)), {
    persistent: true,
    messageId: envelope.id,
  });
  await ch.waitForConfirms();

  // kill it once some batches committed, well before the end
  await eventually(
    async () => {
      const { rows } = await db.query(
        `SELECT (counts->>'obligations')::int AS n FROM evaluation_run WHERE job_id = $1`,
        [jobId],
      );
      return (rows[0]?.n ?? 0) >= 50;
    },
    'some batches committed',
    30_000,
    5,
  );
  await killHard(child);
  expect(isAlive(workerPid)).toBe(false);
  // and nothing else answers on its port: the evaluation really stopped with it
  await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  const atKill = (
    await db.query(`SELECT status, (counts->>'obligations')::int AS n FROM evaluation_run WHERE job_id = $1`, [jobId])
  ).rows[0];
  expect(atKill.status).toBe('running');
  expect(atKill.n).toBeLessThan(1000);
  // nobody is working on it any more: a second later, the run has not moved
  await new Promise((r) => setTimeout(r, 1000));
  expect(
    (await db.query(`SELECT (counts->>'obligations')::int AS n FROM evaluation_run WHERE job_id = $1`, [jobId])).rows[0]
      .n,
  ).toBe(atKill.n);

  // another process takes over once the dead worker's lease expires
  svc = await startObligations(loadObligationsConfig({ ...t.env, EVALUATION_BATCH_SIZE: '100' }), logger);
  await eventually(
    async () =>
      (await db.query(`SELECT 1 FROM evaluation_run WHERE job_id = $1 AND status = 'succeeded'`, [jobId])).rowCount,
    'run resumed and succeeded',
    30_000,
    100,
  );
  await eventually(
    async () => (await db.query('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL')).rows[0].n === 0,
    'outbox published',
  );

  expect(
    (await db.query(`SELECT count(*)::int AS n FROM reminder WHERE run_id = $1 AND status = 'due'`, [jobId])).rows[0].n,
  ).toBe(1000);
  const delivered: { id: string; type: string; data: any }[] = [];
  await eventually(async () => {
    for (let m = await ch.get('kill.sink', { noAck: true }); m; m = await ch.get('kill.sink', { noAck: true }))
      delivered.push(JSON.parse(m.content.toString()));
    return (
      delivered.filter((e) => e.type === 'reminder.run_closed.v1').length >= 1 &&
      delivered.filter((e) => e.type === 'reminder.due.v1').length >= 1000
    );
  }, 'every event at the broker');
  const due = delivered.filter((e) => e.type === 'reminder.due.v1');
  // one event per (obligation, stage): duplicates could only be broker redeliveries of the same id
  expect(new Set(due.map((e) => e.id)).size).toBe(1000);
  expect(new Set(due.map((e) => e.data.obligation.id)).size).toBe(1000);
  expect(due.every((e) => e.id === e.data.reminderId)).toBe(true);
  const closed = delivered.filter((e) => e.type === 'reminder.run_closed.v1');
  expect(new Set(closed.map((e) => e.id)).size).toBe(1);
  expect(closed[0]!.data).toEqual({ runId: jobId, asOf: '2027-07-08', reminders: 1000 });
  await ch.close();
}, 120_000);
