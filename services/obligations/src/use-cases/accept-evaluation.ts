import { enqueue, type HandlerResult, type SqlTx } from '@pc/bus';
import type { EventData } from '@pc/contracts';
import { isCalendarDate, type Logger } from '@pc/service-kit';
import { jobFinished } from '../domain/evaluation';
import type { Clock } from '../domain/ports';
import { insertRun } from '../adapters/evaluation-store';

/**
 * job.requested.v1 kind 'evaluate', inside the inbox transaction: records the run and announces it
 * running; the evaluation worker then works it in batches (run-evaluation). A malformed asOf (not a
 * calendar day, e.g. 2027-02-30) fails the job at once, storing nothing else.
 */
export async function acceptEvaluation(
  tx: SqlTx,
  d: EventData<'job.requested.v1'>,
  clock: Clock,
  logger: Logger,
): Promise<HandlerResult> {
  if (d.kind !== 'evaluate') return 'skipped';
  const asOf = d.asOf ?? clock.today();
  if (!isCalendarDate(asOf)) {
    logger.warn({ jobId: d.jobId, asOf }, 'evaluation refused: asOf is not a calendar date');
    await enqueue(tx, [
      jobFinished(d.jobId, 'failed', {}, `asOf ${asOf} is not a calendar date (YYYY-MM-DD)`, clock.now()),
    ]);
    return 'done';
  }
  if (!(await insertRun(tx, d.jobId, asOf))) return 'skipped';
  await enqueue(tx, [jobFinished(d.jobId, 'running', {}, null, clock.now())]);
  return 'done';
}
