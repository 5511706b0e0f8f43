import type { EventData } from '@pc/contracts';
import type { HandlerResult, SqlTx } from '@pc/bus';
import { queueSyncRun } from '../adapters/sync-run-store';

/**
 * job.requested.v1 (queue praxis-connector.jobs): records a praxis_sync request for the sync-job
 * worker (run-sync-jobs.ts), idempotent on the job id. The run itself happens outside the consumer's
 * transaction, since a sync takes seconds to minutes; other job kinds belong to other services.
 */
export async function queueSyncJob(d: EventData<'job.requested.v1'>, tx: SqlTx): Promise<HandlerResult> {
  if (d.kind !== 'praxis_sync') return 'skipped';
  return (await queueSyncRun(tx, d.jobId)) ? 'done' : 'skipped';
}
