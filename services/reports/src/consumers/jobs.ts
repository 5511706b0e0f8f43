import { QUEUES, type Consumer, type HandlerResult, type ServiceRuntime } from '@pc/bus';
import type { Tx } from '../adapters/prisma';
import type { sendMonthlyReports } from '../use-cases/send-monthly-reports';

/**
 * reports.jobs ← job.requested.v1: the jobs of kind "reports" (the other kinds belong to other
 * services: skipped). A report covers every event accepted before the job: the job is held until
 * reports.events has consumed what every producer had committed, then sent.
 */
export async function consumeJobs(
  runtime: ServiceRuntime,
  transact: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>,
  send: ReturnType<typeof sendMonthlyReports>,
): Promise<Consumer> {
  const reports = runtime.jobGate({
    name: 'reports',
    queues: [QUEUES.reportsEvents],
    onCaughtUp: async (tx, job) => {
      await send({ jobId: job.jobId, asOf: job.asOf }, tx);
    },
  });
  return runtime.consume<Tx>({
    queue: QUEUES.reportsJobs,
    transact,
    prefetch: 1,
    on: {
      'job.requested.v1': async (job, tx): Promise<HandlerResult> =>
        job.kind === 'reports' ? reports.hold(tx, job.jobId, job) : 'skipped',
    },
    afterCommit: () => {
      runtime.relay.kick();
      reports.kick();
    },
  });
}
