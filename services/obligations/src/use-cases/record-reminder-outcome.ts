import type { HandlerResult, SqlTx } from '@pc/bus';
import { recordDelivery, type ReminderOutcome } from '../adapters/reminder-store';

/**
 * reminder.sent.v1 / reminder.failed.v1 from the notifier: one delivery row per (reminder, contact),
 * the latest outcome winning (a retry that succeeds after a temporary failure replaces it). Only the
 * contact's pseudonym is stored, never the address.
 */
export async function recordReminderOutcome(tx: SqlTx, outcome: ReminderOutcome): Promise<HandlerResult> {
  await recordDelivery(tx, outcome);
  return 'done';
}
