import { pgTransact, QUEUES, type ServiceRuntime, type SqlTx } from '@pc/bus';
import type { Transact, Tx } from '../adapters/prisma';
import { recordFunder } from '../use-cases/record-funder';
import { recordObligationStatuses } from '../use-cases/record-obligation-status';

/** Transitions per transaction: an import sends one per obligation (tens of thousands at once). */
export const STATUS_BATCH = 1000;
/** Two batches in flight, so the next is already delivered while one commits. */
export const STATUS_PREFETCH = 2 * STATUS_BATCH;
/** How long a partly filled batch waits for more deliveries (the broker hands a burst over in bursts of its own). */
export const STATUS_WINDOW_MS = 100;

/** The queues this service consumes; each handler is a use case, idempotent with the inbox. */
export async function startConsumers(runtime: ServiceRuntime, transact: Transact): Promise<void> {
  const inTx = <T>(fn: (tx: Tx) => Promise<T>): Promise<T> => transact(fn, 60_000);
  await runtime.consume<Tx>({
    queue: QUEUES.agreementsFunders,
    transact: inTx,
    on: { 'funder.registered.v1': recordFunder },
  });
  // Plain pg transactions: one multi-row statement per batch needs nothing of Prisma's.
  await runtime.consume<SqlTx>({
    queue: QUEUES.agreementsObligations,
    transact: pgTransact(runtime.pool),
    onBatch: { 'obligation.transitioned.v1': recordObligationStatuses },
    batchSize: STATUS_BATCH,
    batchWindowMs: STATUS_WINDOW_MS,
    prefetch: STATUS_PREFETCH,
  });
}
