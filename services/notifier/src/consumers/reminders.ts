import type { BatchHandlers, Handlers, SqlTx } from '@pc/bus';
import { closeRun } from '../use-cases/close-run';
import type { DigestDeps } from '../use-cases/build-digests';
import { recordReminderStages } from '../use-cases/record-reminder-stage';

/** Stages per transaction: an evaluation after an import announces one per (obligation, stage), tens of thousands. */
export const REMINDERS_BATCH = 1000;
/** Two batches in flight, so the next is already delivered while one commits. */
export const REMINDERS_PREFETCH = 2 * REMINDERS_BATCH;
/** How long a partly filled batch waits for more deliveries (the broker hands a burst over in bursts of its own). */
export const REMINDERS_WINDOW_MS = 100;

/**
 * Queue notifier.reminders: stages go to the send ledger a batch at a time; a run's close (one
 * event, in delivery order between them) builds its digests.
 */
export function reminderHandlers(deps: DigestDeps): { on: Handlers<SqlTx>; onBatch: BatchHandlers<SqlTx> } {
  return {
    onBatch: {
      'reminder.due.v1': (items, tx) =>
        recordReminderStages(
          tx,
          items.map((i) => i.data),
          deps,
        ),
    },
    on: { 'reminder.run_closed.v1': (d, tx) => closeRun(tx, d, deps) },
  };
}
