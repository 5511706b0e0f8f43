import type pg from 'pg';
import { pgTransact } from '@pc/bus';
import { DEFAULT_STAGES, earliestStageOffset } from '@pc/lifecycle';
import { jobFinished, runClosed, type RunCounts } from '../domain/evaluation';
import type { Clock } from '../domain/ports';
import { countDueReminders, evaluateBatch, findRun, markSucceeded, saveProgress } from '../adapters/evaluation-store';
import { obligationMetrics } from '../adapters/metrics';

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

/**
 * Works an accepted run to its end, in batches of obligations from the stored cursor: each batch
 * one transaction of set-based SQL (classification `UPDATE … FROM`, transition and outbox rows by
 * `INSERT … SELECT`, reminder rows `INSERT … ON CONFLICT DO NOTHING`) that also commits the cursor,
 * so a run killed half-way resumes after its last committed batch; the unique reminder row
 * (obligation, stage) and deterministic event ids make a rerun of any batch emit nothing twice.
 * Then closes the run with exactly one reminder.run_closed.v1 (count = every reminder the run
 * emitted, across restarts) and job.finished.v1 succeeded. Returns the run's counts, or null when
 * `shouldStop` paused it. Throws when a batch fails: the run stays resumable (the worker retries
 * it; a caller may call again).
 */
export async function evaluateRun(pool: pg.Pool, jobId: string, opts: EvaluateOptions): Promise<RunCounts | null> {
  const run = await findRun(pool, jobId);
  if (!run) throw new Error(`evaluation run ${jobId} does not exist`);
  const counts: RunCounts = Object.assign({ obligations: 0, transitions: 0, reminders: 0, skipped: 0 }, run.counts);
  if (run.status === 'succeeded' || run.status === 'failed') return counts;
  const transact = pgTransact(pool);
  const lease = opts.leaseSeconds ?? 30;
  const earliestDefault = earliestStageOffset(DEFAULT_STAGES);
  const actorId = `evaluation:${jobId}`;
  const reason = `evaluation as of ${run.as_of}`;
  let cursor = run.cursor ?? '00000000-0000-0000-0000-000000000000'; // below every uuid: keeps the range on the primary key
  for (let batchNo = 1; ; batchNo++) {
    if (opts.shouldStop?.()) return null;
    const done = await transact(async (tx) => {
      const batch = await evaluateBatch(tx, {
        jobId,
        asOf: run.as_of,
        cursor,
        batchSize: opts.batchSize,
        earliestDefault,
        now: opts.clock.now(),
        reason,
        actorId,
      });
      if (!batch) return true;
      counts.obligations += batch.n;
      counts.transitions += batch.changed;
      counts.reminders += batch.sent;
      counts.skipped += batch.skipped;
      await saveProgress(tx, jobId, batch.lastId, counts, lease);
      obligationMetrics.remindersDue.inc(batch.sent);
      cursor = batch.lastId;
      return false;
    });
    opts.onCommit?.();
    if (done) break;
    await opts.afterBatch?.(batchNo);
  }
  await transact(async (tx) => {
    const total = await countDueReminders(tx, jobId);
    counts.reminders = total;
    await markSucceeded(tx, jobId, counts, [
      runClosed(jobId, run.as_of, total),
      jobFinished(jobId, 'succeeded', counts, null, opts.clock.now()),
    ]);
  });
  opts.onCommit?.();
  return counts;
}
