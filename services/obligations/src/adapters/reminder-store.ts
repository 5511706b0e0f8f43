/** What the notifier reported of each reminder: one delivery row per (reminder, contact pseudonym). */
import type { SqlTx } from '@pc/bus';

export interface ReminderOutcome {
  reminderId: string;
  contactRef: string;
  obligationId: string;
  outcome: 'sent' | 'failed';
  messageId: string | null;
  reason: string | null;
  permanent: boolean | null;
  at: string;
}

/**
 * Records outcomes (in the order they were reported), the latest one winning per (reminder, contact):
 * a retry that succeeds after a temporary failure replaces it, an older report arriving late does not,
 * and of two reports at the same instant the later one wins. One statement for any number: per key
 * the report that would be left last when applying them one by one (the latest `at`, to the column's
 * millisecond, then the last reported), then `ON CONFLICT … DO UPDATE … WHERE` against the stored one.
 */
export async function recordDeliveries(tx: SqlTx, outcomes: readonly ReminderOutcome[]): Promise<void> {
  if (outcomes.length === 0) return;
  const col = <K extends keyof ReminderOutcome>(k: K): Array<ReminderOutcome[K]> => outcomes.map((o) => o[k]);
  await tx.$executeRawUnsafe(
    `INSERT INTO reminder_delivery (reminder_id, contact_ref, obligation_id, outcome, message_id, reason, permanent, at)
     SELECT DISTINCT ON (u.reminder_id, u.contact_ref)
       u.reminder_id, u.contact_ref, u.obligation_id, u.outcome, u.message_id, u.reason, u.permanent, u.at
     FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::boolean[], $8::timestamptz(3)[])
       WITH ORDINALITY AS u(reminder_id, contact_ref, obligation_id, outcome, message_id, reason, permanent, at, ord)
     ORDER BY u.reminder_id, u.contact_ref, u.at DESC, u.ord DESC
     ON CONFLICT (reminder_id, contact_ref) DO UPDATE
       SET outcome = EXCLUDED.outcome, message_id = EXCLUDED.message_id, reason = EXCLUDED.reason,
           permanent = EXCLUDED.permanent, at = EXCLUDED.at
       WHERE reminder_delivery.at <= EXCLUDED.at`,
    col('reminderId'),
    col('contactRef'),
    col('obligationId'),
    col('outcome'),
    col('messageId'),
    col('reason'),
    col('permanent'),
    col('at'),
  );
}
