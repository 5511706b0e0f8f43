import type pg from 'pg';
import { enqueue, pgTransact } from '@pc/bus';
import { jobFinished } from '../domain/evaluation';
import type { Clock } from '../domain/ports';
import { markFailed } from '../adapters/evaluation-store';

/** Gives up on a run (after repeated failures): job.finished.v1 failed with the last error. A closed run stays as it is. */
export async function failEvaluation(pool: pg.Pool, jobId: string, error: string, clock: Clock): Promise<void> {
  await pgTransact(pool)(async (tx) => {
    const counts = await markFailed(tx, jobId, error);
    if (counts) await enqueue(tx, [jobFinished(jobId, 'failed', counts, error, clock.now())]);
  });
}
