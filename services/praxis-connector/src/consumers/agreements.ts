import type { BatchHandler, BatchHandlers, SqlTx } from '@pc/bus';
import { recordAgreementEvents } from '../use-cases/record-agreement';
import { recordProgrammes } from '../use-cases/record-programme';

/** Events per transaction: an import registers tens of thousands of agreements at once. */
export const READ_MODEL_BATCH = 1000;
/** Two batches in flight, so the next is already delivered while one commits. */
export const READ_MODEL_PREFETCH = 2 * READ_MODEL_BATCH;
/** How long a partly filled batch waits for more deliveries (a burst arrives in bursts of the broker's own). */
export const READ_MODEL_WINDOW_MS = 100;

/** One function for every agreement event, so a termination between two snapshots is folded in order. */
const agreementEvents: BatchHandler<
  'agreement.registered.v1' | 'agreement.amended.v1' | 'agreement.terminated.v1',
  SqlTx
> = (items, tx) =>
  recordAgreementEvents(
    tx,
    items.map(({ envelope }) => envelope),
  );

/**
 * Queue praxis-connector.agreements: the connector's read model of programmes (feeds) and agreements
 * (references, start dates), in step with the agreements service and in revision order.
 */
export const readModelHandlers: BatchHandlers<SqlTx> = {
  'programme.registered.v1': (items, tx) =>
    recordProgrammes(
      tx,
      items.map((i) => i.data),
    ),
  'agreement.registered.v1': agreementEvents,
  'agreement.amended.v1': agreementEvents,
  'agreement.terminated.v1': agreementEvents,
};
