import type { Handlers, SqlTx } from '@pc/bus';
import { closeRun } from '../use-cases/close-run';
import type { DigestDeps } from '../use-cases/build-digests';
import { recordReminderStage } from '../use-cases/record-reminder-stage';

/** Queue notifier.reminders: each stage goes to the send ledger; a run's close builds its digests. */
export function reminderHandlers(deps: DigestDeps): Handlers<SqlTx> {
  return {
    'reminder.due.v1': (d, tx) => recordReminderStage(tx, d, deps),
    'reminder.run_closed.v1': (d, tx) => closeRun(tx, d, deps),
  };
}
export const REMINDERS_PREFETCH = 12;
