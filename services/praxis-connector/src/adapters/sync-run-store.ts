import type pg from 'pg';
import type { SqlTx } from '@pc/bus';

/**
 * praxis_sync runs as this worker sees them (table `sync_run`; the scheduler owns the job itself).
 * Plain SQL: an insert that may find its row already there, and a claim under `FOR UPDATE SKIP LOCKED`.
 */
export type SyncRunStatus = 'succeeded' | 'failed';

/** Records a requested run once per job id; false when it was already recorded (a redelivery). */
export async function queueSyncRun(tx: SqlTx, jobId: string): Promise<boolean> {
  const n = await tx.$executeRawUnsafe(
    `INSERT INTO sync_run (job_id, status) VALUES ($1::uuid, 'queued') ON CONFLICT DO NOTHING`,
    jobId,
  );
  return n > 0;
}

/** Runs left 'running' by a process that died are queued again (a sync is safe to repeat). */
export async function requeueRunning(pool: pg.Pool): Promise<void> {
  await pool.query(`UPDATE sync_run SET status = 'queued', started_at = NULL WHERE status = 'running'`);
}

/** Claims the oldest queued run, or null when none is queued. */
export async function claimSyncRun(tx: SqlTx): Promise<string | null> {
  const rows = await tx.$queryRawUnsafe<Array<{ job_id: string }>>(
    `UPDATE sync_run SET status = 'running', started_at = now() WHERE job_id = (
       SELECT job_id FROM sync_run WHERE status = 'queued' ORDER BY requested_at LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING job_id`,
  );
  return rows[0]?.job_id ?? null;
}

export async function finishSyncRun(
  tx: SqlTx,
  jobId: string,
  status: SyncRunStatus,
  counts: Record<string, number>,
  error: string | null,
): Promise<void> {
  await tx.$executeRawUnsafe(
    'UPDATE sync_run SET status = $2, finished_at = now(), counts = $3, error = $4 WHERE job_id = $1',
    jobId,
    status,
    JSON.stringify(counts),
    error,
  );
}
