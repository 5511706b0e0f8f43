import type { Handlers } from '@pc/bus';
import type { Tx } from '../adapters/prisma';
import { queueSyncJob } from '../use-cases/queue-sync-job';

/** Queue praxis-connector.jobs: praxis_sync requests, recorded for the sync-job worker. */
export const jobHandlers: Handlers<Tx> = {
  'job.requested.v1': queueSyncJob,
};
