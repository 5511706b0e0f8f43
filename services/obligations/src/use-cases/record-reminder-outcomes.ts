import type { BatchItem, SqlTx } from '@pc/bus';
import { recordDeliveries, type ReminderOutcome } from '../adapters/reminder-store';

export type OutcomeItem = BatchItem<'reminder.sent.v1' | 'reminder.failed.v1'>;

/**
 * reminder.sent.v1 / reminder.failed.v1 from the notifier, a batch at a time (a run's digests report
 * tens of thousands at once): one delivery row per (reminder, contact), the latest outcome winning (a
 * retry that succeeds after a temporary failure replaces it). Only the contact's pseudonym is stored,
 * never the address.
 */
export async function recordReminderOutcomes(tx: SqlTx, items: readonly OutcomeItem[]): Promise<void> {
  await recordDeliveries(tx, items.map(outcomeOf));
}

function outcomeOf(item: OutcomeItem): ReminderOutcome {
  const base = {
    reminderId: item.data.reminderId,
    contactRef: item.data.contactRef,
    obligationId: item.data.obligationId,
  };
  switch (item.envelope.type) {
    case 'reminder.sent.v1':
      return {
        ...base,
        outcome: 'sent',
        messageId: item.envelope.data.messageId,
        reason: null,
        permanent: null,
        at: item.envelope.data.sentAt,
      };
    case 'reminder.failed.v1':
      return {
        ...base,
        outcome: 'failed',
        messageId: null,
        reason: item.envelope.data.reason,
        permanent: item.envelope.data.permanent,
        at: item.envelope.data.at,
      };
  }
}
