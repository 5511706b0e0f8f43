/**
 * Evaluation runs: the run rows (cursor, counts, lease) and the two set-based statements a batch
 * runs. Plain SQL throughout: `UPDATE … FROM` and `INSERT … SELECT` over a batch of obligations,
 * `ON CONFLICT DO NOTHING` on the unique (obligation, stage), a lease claimed `FOR UPDATE SKIP
 * LOCKED` so replicas share the runs. Each batch statement runs in the caller's transaction.
 */
import type pg from 'pg';
import { enqueue, type NewEvent, type PgTx, type SqlTx } from '@pc/bus';
import { sqlEventId } from '@pc/contracts';
import { DEFAULT_STAGES } from '@pc/lifecycle';
import { TIME_DRIVEN } from '../domain/lifecycle';
import type { RunCounts } from '../domain/evaluation';

const OPEN_FOR_EVALUATION = TIME_DRIVEN as readonly string[];
const DEFAULT_STAGES_JSON = JSON.stringify(DEFAULT_STAGES);
const ts = (col: string): string => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** Stores an accepted run, once per job: false when this job was already accepted. */
export async function insertRun(tx: SqlTx, jobId: string, asOf: string): Promise<boolean> {
  const inserted = await tx.$executeRawUnsafe(
    `INSERT INTO evaluation_run (job_id, as_of, status) VALUES ($1::uuid, $2::date, 'queued') ON CONFLICT (job_id) DO NOTHING`,
    jobId,
    asOf,
  );
  return inserted > 0;
}

export interface RunRow {
  job_id: string;
  as_of: string;
  status: string;
  cursor: string | null;
  counts: RunCounts;
}

export async function findRun(pool: pg.Pool, jobId: string): Promise<RunRow | null> {
  const {
    rows: [run],
  } = await pool.query<RunRow>(
    `SELECT job_id, to_char(as_of, 'YYYY-MM-DD') AS as_of, status, cursor, counts FROM evaluation_run WHERE job_id = $1::uuid`,
    [jobId],
  );
  return run ?? null;
}

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

export interface BatchInput {
  jobId: string;
  asOf: string;
  cursor: string;
  batchSize: number;
  /** earliestStageOffset of the default stages (a programme without stages) */
  earliestDefault: number;
  now: Date;
  reason: string;
  actorId: string;
}

/** One batch: classification with its transitions, then its reminder stages. Null past the last obligation. */
export async function evaluateBatch(
  tx: PgTx,
  b: BatchInput,
): Promise<{ n: number; lastId: string; changed: number; sent: number; skipped: number } | null> {
  const cls = await tx.client.query<{ n: number; last_id: string | null; changed: number }>(CLASSIFY_SQL, [
    b.cursor,
    b.batchSize,
    OPEN_FOR_EVALUATION,
    b.asOf,
    b.earliestDefault,
    b.now,
    b.reason,
    b.actorId,
  ]);
  const { n, last_id: lastId, changed } = cls.rows[0]!;
  if (n === 0 || !lastId) return null;
  const rem = await tx.client.query<{ sent: number; skipped: number }>(REMINDERS_SQL, [
    b.cursor,
    lastId,
    OPEN_FOR_EVALUATION,
    DEFAULT_STAGES_JSON,
    b.asOf,
    b.jobId,
  ]);
  const { sent, skipped } = rem.rows[0]!;
  return { n, lastId, changed, sent, skipped };
}

/** Commits the cursor and counts with the batch, and renews the lease. */
export async function saveProgress(
  tx: PgTx,
  jobId: string,
  cursor: string,
  counts: RunCounts,
  leaseSeconds: number,
): Promise<void> {
  await tx.client.query(
    `UPDATE evaluation_run SET cursor = $2::uuid, counts = $3::jsonb, lease_until = now() + make_interval(secs => $4) WHERE job_id = $1::uuid`,
    [jobId, cursor, JSON.stringify(counts), leaseSeconds],
  );
}

/** Every stage the run emitted, across the processes that worked it. */
export async function countDueReminders(tx: PgTx, jobId: string): Promise<number> {
  const {
    rows: [r],
  } = await tx.client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM reminder WHERE run_id = $1::uuid AND status = 'due'`,
    [jobId],
  );
  return r?.n ?? 0;
}

/** Closes the run as succeeded, with its closing events. */
export async function markSucceeded(tx: PgTx, jobId: string, counts: RunCounts, events: NewEvent[]): Promise<void> {
  await enqueue(tx, events);
  await tx.client.query(
    `UPDATE evaluation_run SET status = 'succeeded', counts = $2::jsonb, finished_at = now(), lease_until = NULL, error = NULL WHERE job_id = $1::uuid`,
    [jobId, JSON.stringify(counts)],
  );
}

/** Closes a run still open as failed; its counts so far, or null when it was already closed. */
export async function markFailed(tx: PgTx, jobId: string, error: string): Promise<RunCounts | null> {
  const {
    rows: [run],
  } = await tx.client.query<{ counts: RunCounts }>(
    `UPDATE evaluation_run SET status = 'failed', error = $2, finished_at = now(), lease_until = NULL
     WHERE job_id = $1::uuid AND status IN ('queued', 'running') RETURNING counts`,
    [jobId, error],
  );
  return run?.counts ?? null;
}

/** Claims the oldest open run whose lease is free or expired (a dead owner's), with a fresh lease. */
export async function claimRun(
  pool: pg.Pool,
  leaseSeconds: number,
): Promise<{ job_id: string; attempts: number } | null> {
  const { rows } = await pool.query<{ job_id: string; attempts: number }>(
    `UPDATE evaluation_run SET status = 'running', attempts = attempts + 1, started_at = COALESCE(started_at, now()),
            lease_until = now() + make_interval(secs => $1)
     WHERE job_id = (SELECT job_id FROM evaluation_run
                     WHERE status IN ('queued', 'running') AND (lease_until IS NULL OR lease_until < now())
                     ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
     RETURNING job_id, attempts`,
    [leaseSeconds],
  );
  return rows[0] ?? null;
}

/** Hands a paused run back at once (its lease and this attempt), so the next process resumes it. */
export async function releaseRun(pool: pg.Pool, jobId: string): Promise<void> {
  await pool.query(`UPDATE evaluation_run SET lease_until = NULL, attempts = attempts - 1 WHERE job_id = $1::uuid`, [
    jobId,
  ]);
}

/** Keeps a failed run for a retry in `seconds`, with the error that stopped it. */
export async function postponeRun(pool: pg.Pool, jobId: string, error: string, seconds: number): Promise<void> {
  await pool.query(
    `UPDATE evaluation_run SET error = $2, lease_until = now() + make_interval(secs => $3) WHERE job_id = $1::uuid`,
    [jobId, error, seconds],
  );
}
