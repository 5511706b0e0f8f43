import type pg from 'pg';
import { enqueue, pgTransact, pgTx, singleFlight, type HandlerResult, type SqlTx } from '@pc/bus';
import { eventId, sqlEventId, type EventData } from '@pc/contracts';
import { isCalendarDate, type Logger } from '@pc/service-kit';
import { DEFAULT_STAGES, earliestStageOffset } from '@pc/lifecycle';
import { TIME_DRIVEN } from '../domain/lifecycle';
import type { Clock } from '../domain/ports';
import { obligationMetrics } from '../adapters/metrics';

/**
 * Evaluation runs (job.requested.v1 kind 'evaluate').
 *
 * Accepting a job only stores an evaluation_run row; the EvaluationWorker then works the run in
 * batches of obligations, each batch one transaction doing set-based SQL (classification UPDATE …
 * FROM, transition and outbox rows by INSERT … SELECT, reminder rows INSERT … ON CONFLICT DO NOTHING).
 * The run's cursor is committed with each batch, so a run killed half-way resumes after the last
 * committed batch; the unique reminder row (obligation, stage) and deterministic event ids make a
 * rerun of any batch emit nothing twice.
 */

const OPEN_FOR_EVALUATION = TIME_DRIVEN as readonly string[];
const DEFAULT_STAGES_JSON = JSON.stringify(DEFAULT_STAGES);
const ts = (col: string): string => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

export interface RunCounts { obligations: number; transitions: number; reminders: number; skipped: number; [k: string]: number }

const finished = (jobId: string, status: 'running' | 'succeeded' | 'failed', counts: Record<string, number>, error: string | null, at: Date) => ({
  id: eventId(jobId, `job.finished:${status}`), type: 'job.finished.v1' as const, subject: jobId,
  data: { jobId, kind: 'evaluate' as const, status, counts, error, at: at.toISOString() } satisfies EventData<'job.finished.v1'>,
});

/**
 * Consumer step (inside the inbox transaction): records the run and announces it running. A
 * malformed asOf (not a calendar day, e.g. 2027-02-30) fails the job at once, storing nothing else.
 */
export async function queueEvaluation(tx: SqlTx & { $queryRawUnsafe<T>(q: string, ...v: unknown[]): Promise<T> },
  d: EventData<'job.requested.v1'>, clock: Clock, logger: Logger): Promise<HandlerResult> {
  if (d.kind !== 'evaluate') return 'skipped';
  const asOf = d.asOf ?? clock.today();
  if (!isCalendarDate(asOf)) {
    logger.warn({ jobId: d.jobId, asOf }, 'evaluation refused: asOf is not a calendar date');
    await enqueue(tx, [finished(d.jobId, 'failed', {}, `asOf ${asOf} is not a calendar date (YYYY-MM-DD)`, clock.now())]);
    return 'done';
  }
  const inserted = await tx.$executeRawUnsafe(
    `INSERT INTO evaluation_run (job_id, as_of, status) VALUES ($1::uuid, $2::date, 'queued') ON CONFLICT (job_id) DO NOTHING`, d.jobId, asOf);
  if (inserted === 0) return 'skipped';
  await enqueue(tx, [finished(d.jobId, 'running', {}, null, clock.now())]);
  return 'done';
}

export interface EvaluateOptions {
  batchSize: number;
  clock: Clock;
  /** test hook: runs after each committed batch (1-based); throwing simulates a crash there */
  afterBatch?: (batch: number) => void | Promise<void>;
  /** called after each commit (kick the outbox relay) */
  onCommit?: () => void;
  /** lease renewed with each batch, so another replica takes over only a dead run */
  leaseSeconds?: number;
  /** checked between batches: true pauses the run (graceful shutdown); it resumes later from its cursor */
  shouldStop?: () => boolean;
}

interface RunRow { job_id: string; as_of: string; status: string; cursor: string | null; counts: RunCounts }

/** One pg transaction, handing the work the client itself (the evaluation is plain SQL). */
const inTx = <T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> => pgTransact(pool)((tx) => fn(tx.client));

/**
 * Classifies one batch and records its transitions (one statement): `classify` of @pc/lifecycle,
 * set-based. `earliest` is its earliestStageOffset (a programme without stages gets the default's,
 * $5); an oracle test holds the two to identical results.
 */
const CLASSIFY_SQL = `
WITH policy AS (
  SELECT p.id, min((s->>'offsetDays')::int) AS earliest
  FROM programme p CROSS JOIN LATERAL jsonb_array_elements(p.reminder_stages) s GROUP BY p.id
), batch AS (
  SELECT o.id, o.status AS from_status, o.due_date, o.programme_id
  FROM obligation o
  WHERE o.status = ANY($3::text[]) AND o.id > $1::uuid
  ORDER BY o.id LIMIT $2
), cls AS (
  SELECT b.id, b.from_status,
    CASE WHEN $4::date > b.due_date THEN 'overdue'
         WHEN $4::date >= b.due_date + COALESCE(pol.earliest, $5::int) THEN 'due_soon'
         ELSE 'upcoming' END AS to_status
  FROM batch b LEFT JOIN policy pol ON pol.id = b.programme_id
), upd AS (
  UPDATE obligation o SET status = c.to_status, updated_at = $6::timestamptz
  -- no row lock on the whole batch (it would write every row): a row changed concurrently since the
  -- batch was read (fulfilled, extended…) fails the status re-check and keeps its new state.
  FROM cls c WHERE o.id = c.id AND c.to_status <> c.from_status AND o.status = c.from_status
  RETURNING o.id, c.from_status, c.to_status, o.agreement_id, o.funder_id, o.programme_id, o.grantee_id, o.kind, o.due_date
), tr AS (
  INSERT INTO transition (id, obligation_id, from_status, to_status, due_date, reason, actor_kind, actor_id, at)
  SELECT gen_random_uuid(), u.id, u.from_status, u.to_status, u.due_date, $7::text, 'system', $8::text, $6::timestamptz FROM upd u
  RETURNING id, obligation_id, at
), ob AS (
  INSERT INTO outbox (id, type, subject, data)
  SELECT tr.id, 'obligation.transitioned.v1', u.id::text, jsonb_build_object(
    'obligationId', u.id, 'agreementId', u.agreement_id, 'funderId', u.funder_id, 'programmeId', u.programme_id,
    'granteeId', u.grantee_id, 'kind', u.kind, 'dueDate', to_char(u.due_date, 'YYYY-MM-DD'),
    'from', u.from_status, 'to', u.to_status, 'reason', $7::text, 'at', ${ts('tr.at')},
    'actor', jsonb_build_object('kind', 'system', 'id', $8::text))
  FROM tr JOIN upd u ON u.id = tr.obligation_id
)
SELECT (SELECT count(*) FROM batch)::int AS n,
       (SELECT id FROM batch ORDER BY id DESC LIMIT 1) AS last_id,
       (SELECT count(*) FROM upd)::int AS changed`;

/**
 * Decides the reminder stages of the same batch, over the stages as stored (normaliseStages of
 * @pc/lifecycle; none stored or no programme → the default, $4). Per obligation only the latest
 * stage whose day has come is emitted, unless already recorded; earlier unrecorded ones are recorded
 * as skipped and listed in the event. This SQL is the only implementation of that rule: the stage
 * table of test/evaluation-oracle.test.ts is its specification.
 */
const REMINDERS_SQL = `
WITH batch AS (
  SELECT o.id, o.kind, o.sequence, o.due_date, o.status, o.agreement_id, o.programme_id, o.grantee_id
  FROM obligation o
  WHERE o.id > $1::uuid AND o.id <= $2::uuid AND o.status = ANY($3::text[])
), keyed AS (
  SELECT b.id AS obligation_id, st.offset_days, st.escalate,
    CASE WHEN st.offset_days = 0 THEN 'D0' WHEN st.offset_days < 0 THEN 'D' || st.offset_days ELSE 'D+' || st.offset_days END AS stage_key
  FROM batch b
  LEFT JOIN programme p ON p.id = b.programme_id
  CROSS JOIN LATERAL (
    SELECT (s->>'offsetDays')::int AS offset_days, COALESCE((s->>'escalate')::boolean, false) AS escalate
    FROM jsonb_array_elements(COALESCE(NULLIF(p.reminder_stages, '[]'::jsonb), $4::jsonb)) s
  ) st
  WHERE b.due_date + st.offset_days <= $5::date
), latest AS (
  SELECT DISTINCT ON (obligation_id) * FROM keyed ORDER BY obligation_id, offset_days DESC
), fresh AS (
  SELECT l.* FROM latest l
  WHERE NOT EXISTS (SELECT 1 FROM reminder r WHERE r.obligation_id = l.obligation_id AND r.stage_key = l.stage_key)
), skip AS (
  SELECT k.* FROM keyed k JOIN fresh f ON f.obligation_id = k.obligation_id
  WHERE k.offset_days < f.offset_days
    AND NOT EXISTS (SELECT 1 FROM reminder r WHERE r.obligation_id = k.obligation_id AND r.stage_key = k.stage_key)
), ins_skip AS (
  INSERT INTO reminder (id, obligation_id, stage_key, offset_days, escalate, status, run_id, as_of)
  SELECT ${sqlEventId('k.obligation_id::text', 'k.stage_key')}, k.obligation_id, k.stage_key, k.offset_days, k.escalate, 'skipped', $6::uuid, $5::date
  FROM skip k
  ON CONFLICT (obligation_id, stage_key) DO NOTHING
  RETURNING obligation_id
), ins AS (
  INSERT INTO reminder (id, obligation_id, stage_key, offset_days, escalate, status, run_id, as_of)
  SELECT ${sqlEventId('f.obligation_id::text', 'f.stage_key')}, f.obligation_id, f.stage_key, f.offset_days, f.escalate, 'due', $6::uuid, $5::date
  FROM fresh f
  ON CONFLICT (obligation_id, stage_key) DO NOTHING
  RETURNING id, obligation_id, stage_key, offset_days, escalate
), skipped_keys AS (
  SELECT obligation_id, jsonb_agg(stage_key ORDER BY offset_days) AS keys FROM skip GROUP BY obligation_id
), ob AS (
  INSERT INTO outbox (id, type, subject, data)
  SELECT i.id, 'reminder.due.v1', i.obligation_id::text, jsonb_build_object(
    'reminderId', i.id, 'runId', $6::uuid, 'asOf', to_char($5::date, 'YYYY-MM-DD'),
    'stage', jsonb_build_object('key', i.stage_key, 'offsetDays', i.offset_days, 'escalate', i.escalate),
    'skippedStages', COALESCE(sk.keys, '[]'::jsonb),
    'obligation', jsonb_build_object('id', b.id, 'kind', b.kind, 'sequence', b.sequence,
      'dueDate', to_char(b.due_date, 'YYYY-MM-DD'), 'status', b.status),
    'agreement', jsonb_build_object('id', a.id, 'funderId', a.funder_id, 'programmeId', b.programme_id,
      'programmeCode', a.programme_code, 'title', a.title, 'externalRef', a.external_ref, 'referenceCode', a.reference_code),
    'grantee', jsonb_build_object('id', b.grantee_id, 'name', a.grantee_name),
    'contacts', a.contacts)
  FROM ins i JOIN batch b ON b.id = i.obligation_id JOIN agreement a ON a.id = b.agreement_id
  LEFT JOIN skipped_keys sk ON sk.obligation_id = i.obligation_id
  ON CONFLICT (id) DO NOTHING
)
SELECT (SELECT count(*) FROM ins)::int AS sent, (SELECT count(*) FROM ins_skip)::int AS skipped`;

/**
 * Works an accepted run to its end: batches from the stored cursor, then closes it with exactly one
 * reminder.run_closed.v1 (count = every reminder the run emitted, across restarts) and
 * job.finished.v1 succeeded. Returns the run's counts. Throws when a batch fails: the run stays
 * resumable (the worker retries it; a caller may call again).
 */
export async function evaluateRun(pool: pg.Pool, jobId: string, opts: EvaluateOptions): Promise<RunCounts | null> {
  const { rows: [run] } = await pool.query<RunRow>(
    `SELECT job_id, to_char(as_of, 'YYYY-MM-DD') AS as_of, status, cursor, counts FROM evaluation_run WHERE job_id = $1::uuid`, [jobId]);
  if (!run) throw new Error(`evaluation run ${jobId} does not exist`);
  const counts: RunCounts = Object.assign({ obligations: 0, transitions: 0, reminders: 0, skipped: 0 }, run.counts);
  if (run.status === 'succeeded' || run.status === 'failed') return counts;
  const lease = opts.leaseSeconds ?? 30;
  const earliestDefault = earliestStageOffset(DEFAULT_STAGES);
  const actorId = `evaluation:${jobId}`;
  const reason = `evaluation as of ${run.as_of}`;
  let cursor = run.cursor ?? '00000000-0000-0000-0000-000000000000'; // below every uuid: keeps the range on the primary key
  for (let batchNo = 1; ; batchNo++) {
    if (opts.shouldStop?.()) return null;
    const done = await inTx(pool, async (c) => {
      const now = opts.clock.now();
      const cls = await c.query<{ n: number; last_id: string | null; changed: number }>(CLASSIFY_SQL,
        [cursor, opts.batchSize, OPEN_FOR_EVALUATION, run.as_of, earliestDefault, now, reason, actorId]);
      const { n, last_id: lastId, changed } = cls.rows[0]!;
      if (n === 0 || !lastId) return true;
      const rem = await c.query<{ sent: number; skipped: number }>(REMINDERS_SQL,
        [cursor, lastId, OPEN_FOR_EVALUATION, DEFAULT_STAGES_JSON, run.as_of, jobId]);
      const { sent, skipped } = rem.rows[0]!;
      counts.obligations += n; counts.transitions += changed; counts.reminders += sent; counts.skipped += skipped;
      await c.query(
        `UPDATE evaluation_run SET cursor = $2::uuid, counts = $3::jsonb, lease_until = now() + make_interval(secs => $4) WHERE job_id = $1::uuid`,
        [jobId, lastId, JSON.stringify(counts), lease]);
      obligationMetrics.remindersDue.inc(sent);
      cursor = lastId;
      return false;
    });
    opts.onCommit?.();
    if (done) break;
    await opts.afterBatch?.(batchNo);
  }
  await inTx(pool, async (c) => {
    const { rows: [r] } = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM reminder WHERE run_id = $1::uuid AND status = 'due'`, [jobId]);
    const total = r?.n ?? 0;
    counts.reminders = total;
    const now = opts.clock.now();
    await enqueue(pgTx(c), [
      { id: eventId(jobId, 'reminder.run_closed'), type: 'reminder.run_closed.v1', subject: jobId, data: { runId: jobId, asOf: run.as_of, reminders: total } },
      finished(jobId, 'succeeded', counts, null, now),
    ]);
    await c.query(
      `UPDATE evaluation_run SET status = 'succeeded', counts = $2::jsonb, finished_at = now(), lease_until = NULL, error = NULL WHERE job_id = $1::uuid`,
      [jobId, JSON.stringify(counts)]);
  });
  opts.onCommit?.();
  return counts;
}

/** Gives up on a run (after repeated failures): job.finished.v1 failed with the last error. */
export async function failRun(pool: pg.Pool, jobId: string, error: string, clock: Clock): Promise<void> {
  await inTx(pool, async (c) => {
    const { rows: [run] } = await c.query<{ counts: RunCounts }>(
      `UPDATE evaluation_run SET status = 'failed', error = $2, finished_at = now(), lease_until = NULL
       WHERE job_id = $1::uuid AND status IN ('queued', 'running') RETURNING counts`, [jobId, error]);
    if (run) await enqueue(pgTx(c), [finished(jobId, 'failed', run.counts, error, clock.now())]);
  });
}

/**
 * Runs accepted evaluations one at a time in this process. Claims a run with a lease (FOR UPDATE
 * SKIP LOCKED: replicas share the runs), works it, and retries a failed run with backoff up to
 * `maxAttempts`. A periodic sweep picks up runs whose owner died (lease expired), e.g. after a crash.
 */
export class EvaluationWorker {
  private readonly loop = singleFlight(() => this.drain(),
    (err) => this.opts.logger.warn({ err: (err as Error).message }, 'evaluation worker pass failed; will retry'));

  constructor(private readonly pool: pg.Pool, private readonly opts: EvaluateOptions & { logger: Logger; maxAttempts?: number; sweepMs?: number }) {}

  start(): void { this.loop.start(this.opts.sweepMs ?? 5000); }

  kick(): void { this.loop.kick(); }

  private async claim(): Promise<{ job_id: string; attempts: number } | null> {
    const lease = this.opts.leaseSeconds ?? 30;
    const { rows } = await this.pool.query<{ job_id: string; attempts: number }>(
      `UPDATE evaluation_run SET status = 'running', attempts = attempts + 1, started_at = COALESCE(started_at, now()),
              lease_until = now() + make_interval(secs => $1)
       WHERE job_id = (SELECT job_id FROM evaluation_run
                       WHERE status IN ('queued', 'running') AND (lease_until IS NULL OR lease_until < now())
                       ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING job_id, attempts`, [lease]);
    return rows[0] ?? null;
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.loop.stopped) return;
      const run = await this.claim();
      if (!run) return;
      const log = this.opts.logger.child({ jobId: run.job_id });
      try {
        const counts = await evaluateRun(this.pool, run.job_id, { ...this.opts, shouldStop: () => this.loop.stopped });
        if (counts) log.info({ counts }, 'evaluation run succeeded');
        else {
          // Paused by shutdown: hand the run back at once so the next process resumes it.
          await this.pool.query(`UPDATE evaluation_run SET lease_until = NULL, attempts = attempts - 1 WHERE job_id = $1::uuid`, [run.job_id]);
          return;
        }
      } catch (err) {
        const message = (err as Error).message;
        if (run.attempts >= (this.opts.maxAttempts ?? 3)) {
          log.error({ err: message, attempts: run.attempts }, 'evaluation run failed; giving up');
          await failRun(this.pool, run.job_id, message, this.opts.clock);
        } else {
          log.warn({ err: message, attempts: run.attempts }, 'evaluation run failed; will resume from its last batch');
          await this.pool.query(`UPDATE evaluation_run SET error = $2, lease_until = now() + make_interval(secs => $3) WHERE job_id = $1::uuid`,
            [run.job_id, message, 2 * run.attempts]);
        }
      }
    }
  }

  async stop(): Promise<void> { await this.loop.stop(); }
}
