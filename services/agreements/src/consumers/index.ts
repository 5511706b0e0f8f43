import { QUEUES, type ServiceRuntime } from '@pc/bus';
import type { Transact, Tx } from '../adapters/prisma';
import { recordFunder } from '../use-cases/record-funder';
import { recordObligationStatus } from '../use-cases/record-obligation-status';

/** The queues this service consumes; each handler is a use case, idempotent with the inbox. */
export async function startConsumers(runtime: ServiceRuntime, transact: Transact): Promise<void> {
  const inTx = <T>(fn: (tx: Tx) => Promise<T>): Promise<T> => transact(fn, 60_000);
  await runtime.consume<Tx>({
    queue: QUEUES.agreementsFunders,
    transact: inTx,
    on: { 'funder.registered.v1': recordFunder },
  });
  await runtime.consume<Tx>({
    queue: QUEUES.agreementsObligations,
    transact: inTx,
    on: { 'obligation.transitioned.v1': recordObligationStatus },
    prefetch: STATUS_PREFETCH,
  });
}
export const STATUS_PREFETCH = 100;
