import { QUEUES, type Consumer, type ServiceRuntime } from '@pc/bus';
import { auditedTransact } from '../adapters/audit-store';
import type { Pseudonym } from '../domain/personal-data';
import { recordEvents } from '../use-cases/record-events';

/**
 * reports.events ← every event type, applied in batches: one commit, one inbox statement and one
 * audit-head lock per funder for up to `batchSize` events (a failing batch is replayed one event per
 * transaction by the bus, so a poison event is isolated).
 */
export function consumeEvents(
  runtime: ServiceRuntime,
  opts: {
    batchSize: number;
    batchWindowMs: number;
    afterCommit: (handled: number) => void;
    pseudonym: Pseudonym;
  },
): Promise<Consumer> {
  const { pseudonym, ...rest } = opts;
  return runtime.consume({
    queue: QUEUES.reportsEvents,
    transact: auditedTransact(runtime.pool),
    onBatch: recordEvents(pseudonym),
    ...rest,
  });
}
