import type { BatchHandler, BatchHandlers, SqlTx } from '@pc/bus';
import { recordAgreementContacts } from '../use-cases/record-agreement-contacts';
import { recordFunders } from '../use-cases/record-funder';
import { recordProgrammes } from '../use-cases/record-programme';

/** Events per transaction: an import sends tens of thousands of snapshots at once. */
export const DIRECTORY_BATCH = 1000;
/** Two batches in flight, so the next is already delivered while one commits. */
export const DIRECTORY_PREFETCH = 2 * DIRECTORY_BATCH;
/** How long a partly filled batch waits for more deliveries (the broker hands a burst over in bursts of its own). */
export const DIRECTORY_WINDOW_MS = 100;

/** One function for both snapshot types, so their consecutive events are handled together. */
const snapshots: BatchHandler<'agreement.registered.v1' | 'agreement.amended.v1', SqlTx> = (items, tx) =>
  recordAgreementContacts(
    tx,
    items.map((i) => i.data),
  );

/*
 * Queue notifier.directory: the directory the emails need (funder names and report recipients,
 * programme names, each agreement's contacts), built from the other services' events; consecutive
 * events of a kind go to their use case together, one transaction per batch.
 */
export const directoryHandlers: BatchHandlers<SqlTx> = {
  'funder.registered.v1': (items, tx) =>
    recordFunders(
      tx,
      items.map((i) => i.data),
    ),
  'programme.registered.v1': (items, tx) =>
    recordProgrammes(
      tx,
      items.map((i) => i.data),
    ),
  'agreement.registered.v1': snapshots,
  'agreement.amended.v1': snapshots,
};
