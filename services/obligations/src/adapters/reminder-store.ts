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
 * Records an outcome, the latest one winning (a retry that succeeds after a temporary failure
 * replaces it, an older report arriving late does not). Plain SQL: `ON CONFLICT … DO UPDATE … WHERE`.
 */
export async function recordDelivery(tx: SqlTx, o: ReminderOutcome): Promise<void> {
  await tx.$executeRawUnsafe(
    `INSERT INTO reminder_delivery (reminder_id, contact_ref, obligation_id, outcome, message_id, reason, permanent, at)
     VALUES ($1::uuid, $2, $3::uuid, $4, $5, $6, $7, $8::timestamptz)
     ON CONFLICT (reminder_id, contact_ref) DO UPDATE
       SET outcome = EXCLUDED.outcome, message_id = EXCLUDED.message_id, reason = EXCLUDED.reason,
           permanent = EXCLUDED.permanent, at = EXCLUDED.at
       WHERE reminder_delivery.at <= EXCLUDED.at`,
    o.reminderId,
    o.contactRef,
    o.obligationId,
    o.outcome,
    o.messageId,
    o.reason,
    o.permanent,
    o.at,
  );
}
