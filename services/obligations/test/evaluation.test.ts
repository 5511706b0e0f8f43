/* eslint-disable @typescript-eslint/no-explicit-any -- event payloads are asserted with toMatchObject */
import { eventually } from '@pc/testkit';
import { eventId, sqlEventId } from '@pc/contracts';
import { reminderId } from '../src/domain/ids';
import { evaluateRun } from '../src/use-cases/run-evaluation';
import { EvaluationWorker } from '../src/consumers/evaluation-worker';
import { createLogger } from '@pc/service-kit';
import { fixedClock } from '../src/adapters/clock';
import { fixture, harnessForFile, obligationsOf, programme, snapshot, uuid } from './helpers';

const h = harnessForFile({ today: '2027-06-01' });
// Evaluations cover every obligation of the database: close each test's obligations so the next starts clean.
afterEach(async () => {
  await h.db.query(`UPDATE obligation SET status = 'cancelled' WHERE status <> 'cancelled'`);
});

const system = { kind: 'system' as const, id: 'scheduler' };

async function runJob(asOf: string | null, jobId = uuid()): Promise<{ jobId: string; finished: any }> {
  await h.publish('job.requested.v1', { jobId, kind: 'evaluate', asOf, actor: system });
  const finished = await eventually(
    async () => (await h.outbox('job.finished.v1', `subject = $1 AND data->>'status' <> 'running'`, [jobId]))[0],
    `job ${jobId} finished`,
  );
  return { jobId, finished: finished.data };
}

const remindersOf = (jobId: string) => h.outbox('reminder.due.v1', `data->>'runId' = $1`, [jobId]);

describe('evaluation run', () => {
  it('computes reminder ids in SQL exactly as in TypeScript', async () => {
    const o = uuid();
    const { rows } = await h.db.query(`SELECT ${sqlEventId('$1::text', '$2::text')} AS id`, [o, 'D+30']);
    expect(rows[0].id).toBe(reminderId(o, 'D+30'));
  });

  it('classifies open obligations, emits each due stage once with a deterministic id, then closes the run', async () => {
    const f = fixture();
    await h.publish('programme.registered.v1', programme(f)); // default stages
    const dPlus30 = obligationsOf(uuid(), 1, '2027-06-01')[0]!; // as of 2027-07-01: D+30 (escalate), after downtime
    const d0 = obligationsOf(uuid(), 1, '2027-07-01')[0]!; // D0
    const dMinus7 = obligationsOf(uuid(), 1, '2027-07-08')[0]!; // D-7, D-30 skipped
    const dMinus30 = obligationsOf(uuid(), 1, '2027-07-31')[0]!; // D-30
    const far = obligationsOf(uuid(), 1, '2027-12-31')[0]!; // nothing
    const s = snapshot(f, { obligations: [dPlus30, d0, dMinus7, dMinus30, far] });
    await h.publish('agreement.registered.v1', s);
    const { jobId, finished } = await runJob('2027-07-01');
    const running = await h.outbox('job.finished.v1', `subject = $1 AND data->>'status' = 'running'`, [jobId]);
    expect(running).toHaveLength(1);
    expect(finished).toMatchObject({ jobId, kind: 'evaluate', status: 'succeeded', error: null });
    expect(finished.counts).toMatchObject({ obligations: 5, reminders: 4 });

    const reminders = await remindersOf(jobId);
    const byObligation = Object.fromEntries(reminders.map((r) => [r.data.obligation.id, r.data]));
    expect(byObligation[dPlus30.id]).toMatchObject({
      stage: { key: 'D+30', offsetDays: 30, escalate: true },
      skippedStages: ['D-30', 'D-7', 'D0', 'D+7'],
      obligation: { status: 'overdue' },
    });
    expect(byObligation[d0.id]).toMatchObject({
      stage: { key: 'D0' },
      skippedStages: ['D-30', 'D-7'],
      obligation: { status: 'due_soon' },
    });
    expect(byObligation[dMinus7.id]).toMatchObject({ stage: { key: 'D-7' }, skippedStages: ['D-30'] });
    expect(byObligation[dMinus30.id]).toMatchObject({ stage: { key: 'D-30' }, skippedStages: [] });
    expect(byObligation[far.id]).toBeUndefined();
    const one = byObligation[d0.id];
    expect(one.reminderId).toBe(reminderId(d0.id, 'D0'));
    expect(reminders.find((r) => r.data.obligation.id === d0.id)!.id).toBe(one.reminderId);
    expect(one).toMatchObject({
      runId: jobId,
      asOf: '2027-07-01',
      agreement: {
        id: s.agreementId,
        funderId: f.funderId,
        programmeId: f.programmeId,
        programmeCode: f.programmeCode,
        referenceCode: s.referenceCode,
        externalRef: s.externalRef,
        title: s.title,
      },
      grantee: { id: f.granteeId, name: s.grantee.name },
      contacts: s.contacts,
    });
    expect(await h.count(`reminder WHERE status = 'skipped' AND obligation_id = $1`, [dPlus30.id])).toBe(4);

    const closed = await h.outbox('reminder.run_closed.v1', 'subject = $1', [jobId]);
    expect(closed.map((c) => c.data)).toEqual([{ runId: jobId, asOf: '2027-07-01', reminders: 4 }]);
    expect(closed[0]!.id).toBe(eventId(jobId, 'reminder.run_closed'));
    // classification moved with the day
    expect((await h.statusOf(dPlus30.id)).status).toBe('overdue');
    expect((await h.statusOf(far.id)).status).toBe('upcoming');
    const tr = (await h.outbox('obligation.transitioned.v1', 'subject = $1', [dPlus30.id])).at(-1)!.data;
    expect(tr).toMatchObject({
      from: 'due_soon',
      to: 'overdue',
      reason: 'evaluation as of 2027-07-01',
      actor: { kind: 'system', id: `evaluation:${jobId}` },
    });
    expect(await h.expectValidOutbox()).toBeGreaterThan(0);

    // The same asOf again (another job): nothing new, and the run still closes with 0.
    const again = await runJob('2027-07-01');
    expect(await remindersOf(again.jobId)).toHaveLength(0);
    expect((await h.outbox('reminder.run_closed.v1', 'subject = $1', [again.jobId]))[0]!.data.reminders).toBe(0);
    expect(again.finished.counts).toMatchObject({ reminders: 0, transitions: 0 });
    // The same job delivered again: nothing at all.
    const outboxBefore = await h.count('outbox');
    await h.publish('job.requested.v1', { jobId, kind: 'evaluate', asOf: '2027-07-01', actor: system });
    expect(await h.count('outbox')).toBe(outboxBefore);
  });

  it('sends stage by stage on daily runs, and only the latest stage after downtime', async () => {
    const f = fixture();
    const ob = obligationsOf(uuid(), 1, '2027-07-15')[0]!;
    await h.publish('agreement.registered.v1', snapshot(f, { obligations: [ob] }));
    const stageOn = async (day: string) =>
      (await remindersOf((await runJob(day)).jobId))
        .filter((r) => r.subject === ob.id)
        .map((r) => [r.data.stage.key, r.data.skippedStages]);
    expect(await stageOn('2027-06-15')).toEqual([['D-30', []]]);
    expect(await stageOn('2027-06-16')).toEqual([]);
    // down from 2027-06-17 to 2027-07-22
    expect(await stageOn('2027-07-23')).toEqual([['D+7', ['D-7', 'D0']]]);
    expect(await stageOn('2027-07-24')).toEqual([]);
    const rows = (
      await h.db.query('SELECT stage_key, status FROM reminder WHERE obligation_id = $1 ORDER BY offset_days', [ob.id])
    ).rows;
    expect(rows).toEqual([
      { stage_key: 'D-30', status: 'due' },
      { stage_key: 'D-7', status: 'skipped' },
      { stage_key: 'D0', status: 'skipped' },
      { stage_key: 'D+7', status: 'due' },
    ]);
  });

  // The agreements service has the same test (agreements.test.ts): both services classify with
  // @pc/lifecycle, so a programme that only reminds after the due date is upcoming on the due day in both.
  it('a programme that only reminds after the due date: upcoming on the due day, overdue the day after, first reminder at D+7', async () => {
    const f = fixture();
    await h.publish(
      'programme.registered.v1',
      programme(f, [
        { offsetDays: 7, escalate: false },
        { offsetDays: 30, escalate: true },
      ]),
    );
    const ob = obligationsOf(uuid(), 1, '2027-06-01')[0]!; // due on the harness's today
    await h.publish('agreement.registered.v1', snapshot(f, { obligations: [ob] }));
    expect((await h.statusOf(ob.id)).status).toBe('upcoming');
    const stageOn = async (day: string) =>
      (await remindersOf((await runJob(day)).jobId))
        .filter((r) => r.subject === ob.id)
        .map((r) => [r.data.stage.key, r.data.skippedStages]);
    expect(await stageOn('2027-06-01')).toEqual([]);
    expect((await h.statusOf(ob.id)).status).toBe('upcoming');
    expect(await stageOn('2027-06-02')).toEqual([]);
    expect((await h.statusOf(ob.id)).status).toBe('overdue');
    expect(await stageOn('2027-06-08')).toEqual([['D+7', []]]);
    const moves = (await h.outbox('obligation.transitioned.v1', 'subject = $1', [ob.id])).map((t) => [
      t.data.from,
      t.data.to,
    ]);
    expect(moves).toEqual([
      [null, 'upcoming'],
      ['upcoming', 'overdue'],
    ]);
  });

  it('evaluates as of today in Montréal when asOf is not given', async () => {
    h.clock.set('2027-06-10');
    const f = fixture();
    const ob = obligationsOf(uuid(), 1, '2027-07-10')[0]!; // D-30 on 2027-06-10
    await h.publish('agreement.registered.v1', snapshot(f, { obligations: [ob] }));
    const { jobId, finished } = await runJob(null);
    expect(finished.status).toBe('succeeded');
    const [r] = await remindersOf(jobId);
    expect(r!.data).toMatchObject({ asOf: '2027-06-10', stage: { key: 'D-30' } });
    h.clock.set('2027-06-01');
  });

  it('fails a job whose asOf is not a calendar date, storing nothing', async () => {
    const f = fixture();
    await h.publish('agreement.registered.v1', snapshot(f, { obligations: obligationsOf(uuid(), 1, '2027-03-01') }));
    const before = { reminders: await h.count('reminder'), transitions: await h.count('transition') };
    const { jobId, finished } = await runJob('2027-02-30');
    expect(finished).toMatchObject({ status: 'failed', error: 'asOf 2027-02-30 is not a calendar date (YYYY-MM-DD)' });
    expect(await h.count('evaluation_run WHERE job_id = $1', [jobId])).toBe(0);
    expect(await h.count('reminder')).toBe(before.reminders);
    expect(await h.count('transition')).toBe(before.transitions);
    expect(await h.outbox('reminder.run_closed.v1', 'subject = $1', [jobId])).toHaveLength(0);
  });

  it('skips jobs of other kinds', async () => {
    const jobId = uuid();
    await h.publish('job.requested.v1', { jobId, kind: 'praxis_sync', asOf: null, actor: system });
    await new Promise((r) => setTimeout(r, 300));
    expect(await h.outbox('job.finished.v1', 'subject = $1', [jobId])).toHaveLength(0);
  });

  it('completes a run killed half-way with no duplicate reminder event (use case rerun, then the worker resuming)', async () => {
    const f = fixture();
    const obs = Array.from({ length: 7 }, (_, i) => obligationsOf(uuid(), 1, `2027-07-0${i + 1}`)[0]!);
    await h.publish('agreement.registered.v1', snapshot(f, { obligations: obs }));
    const asOf = '2027-07-08'; // every one of them has a stage due
    const pool = h.svc.runtime.pool;
    const clock = fixedClock('2027-07-08');
    // An accepted run owned by this test (lease far ahead, so the service's worker leaves it alone).
    const jobId = uuid();
    await pool.query(
      `INSERT INTO evaluation_run (job_id, as_of, status, lease_until) VALUES ($1, $2, 'running', now() + interval '1 hour')`,
      [jobId, asOf],
    );
    // The run, in batches of two, as a process killed right after committing batch `last`.
    const killedAfterBatch = (last: number) =>
      evaluateRun(pool, jobId, {
        batchSize: 2,
        clock,
        afterBatch: (n) => {
          if (n === last) throw new Error(`killed after batch ${last}`);
        },
      });
    await expect(killedAfterBatch(1)).rejects.toThrow('killed after batch 1');
    expect(await remindersOf(jobId)).toHaveLength(2); // the first batch committed
    await expect(killedAfterBatch(2)).rejects.toThrow();
    expect(await remindersOf(jobId)).toHaveLength(6);
    // hand the run back: the worker resumes it from its cursor
    await pool.query(`UPDATE evaluation_run SET lease_until = now() - interval '1 second' WHERE job_id = $1`, [jobId]);
    h.svc.worker.kick();
    const finished = await eventually(
      async () => (await h.outbox('job.finished.v1', `subject = $1 AND data->>'status' = 'succeeded'`, [jobId]))[0],
      'resumed run finished',
    );
    const reminders = await remindersOf(jobId);
    expect(reminders).toHaveLength(7);
    expect(new Set(reminders.map((r) => r.data.obligation.id)).size).toBe(7);
    expect((await h.outbox('reminder.run_closed.v1', 'subject = $1', [jobId])).map((r) => r.data.reminders)).toEqual([
      7,
    ]);
    expect(finished.data.counts).toMatchObject({ obligations: 7, reminders: 7 });
    // and rerunning a finished run does nothing
    await evaluateRun(pool, jobId, { batchSize: 2, clock });
    expect(await remindersOf(jobId)).toHaveLength(7);
    await h.expectValidOutbox();
  });

  it('fails the job (job.finished failed, with the error) after repeated failures of its batches', async () => {
    const f = fixture();
    await h.publish('agreement.registered.v1', snapshot(f, { obligations: obligationsOf(uuid(), 3, '2027-07-01') }));
    await h.svc.worker.stop(); // this test drives its own worker, whose batches always fail
    const worker = new EvaluationWorker(h.svc.runtime.pool, {
      batchSize: 1,
      clock: fixedClock('2027-07-08'),
      logger: createLogger('test', 'silent'),
      maxAttempts: 2,
      sweepMs: 200,
      afterBatch: () => {
        throw new Error('disk full');
      },
    });
    const jobId = uuid();
    await h.publish('job.requested.v1', { jobId, kind: 'evaluate', asOf: '2027-07-08', actor: system });
    worker.start();
    try {
      const failed = await eventually(
        async () => (await h.outbox('job.finished.v1', `subject = $1 AND data->>'status' = 'failed'`, [jobId]))[0],
        'job failed',
        20_000,
      );
      expect(failed.data).toMatchObject({ jobId, kind: 'evaluate', status: 'failed', error: 'disk full' });
      expect(failed.data.counts.obligations).toBe(2); // one committed batch per attempt, resumed from the cursor
      expect(await h.outbox('job.finished.v1', `subject = $1 AND data->>'status' = 'succeeded'`, [jobId])).toHaveLength(
        0,
      );
      expect(await h.outbox('reminder.run_closed.v1', 'subject = $1', [jobId])).toHaveLength(0);
      expect(
        (await h.db.query('SELECT status, attempts FROM evaluation_run WHERE job_id = $1', [jobId])).rows[0],
      ).toEqual({ status: 'failed', attempts: 2 });
    } finally {
      await worker.stop();
    }
  });
});
