import type { CatchUpGate, Handlers, JobRequest } from '@pc/bus';
import type { Tx } from '../adapters/prisma';

/**
 * Queue praxis-connector.jobs: praxis_sync requests, held by the catch-up gate until the agreements
 * read model has consumed what was accepted before the job, then recorded for the sync-job worker
 * (queue-sync-job.ts). Other job kinds belong to other services.
 */
export const jobHandlers = (syncs: CatchUpGate<JobRequest>): Handlers<Tx> => ({
  'job.requested.v1': async (d, tx) => (d.kind === 'praxis_sync' ? syncs.hold(tx, d.jobId, d) : 'skipped'),
});
