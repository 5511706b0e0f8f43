import { QUEUES, type Consumer, type HandlerResult, type ServiceRuntime } from '@pc/bus';
import type { Tx } from '../adapters/prisma';
import type { sendMonthlyReports } from '../use-cases/send-monthly-reports';

/** reports.jobs ← job.requested.v1: the jobs of kind "reports" (the other kinds belong to other services: skipped). */
export function consumeJobs(
  runtime: ServiceRuntime,
  transact: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>,
  send: ReturnType<typeof sendMonthlyReports>,
): Promise<Consumer> {
  return runtime.consume<Tx>({
    queue: QUEUES.reportsJobs,
    transact,
    prefetch: 1,
    on: {
      'job.requested.v1': async (job, tx): Promise<HandlerResult> =>
        job.kind === 'reports' ? send({ jobId: job.jobId, asOf: job.asOf }, tx) : 'skipped',
    },
  });
}
