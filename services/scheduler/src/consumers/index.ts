import { QUEUES, type ServiceRuntime } from '@pc/bus';
import type { PrismaClient, Tx } from '../adapters/prisma';
import { advanceJob } from '../use-cases/advance-job';

/** scheduler.jobs: the workers' job.finished.v1 reports move each job along. */
export async function startConsumers(runtime: ServiceRuntime, prisma: PrismaClient): Promise<void> {
  const transact = <T>(fn: (tx: Tx) => Promise<T>): Promise<T> => prisma.$transaction(fn, { timeout: 60_000 });
  await runtime.consume<Tx>({
    queue: QUEUES.schedulerJobs,
    transact,
    on: { 'job.finished.v1': (d, tx) => advanceJob(tx, d) },
  });
}
