import type { EventData } from '@pc/contracts';
import type { HandlerResult } from '@pc/bus';
import type { Tx } from '../adapters/prisma';

/*
 * reminder.sent.v1 / reminder.failed.v1 from the notifier: one delivery row per (reminder, contact),
 * the latest outcome winning (a retry that succeeds after a temporary failure replaces it). Only the
 * contact's pseudonym is stored, never the address.
 */

export function recordReminderSent(tx: Tx, d: EventData<'reminder.sent.v1'>): Promise<HandlerResult> {
  return recordOutcome(tx, [d.reminderId, d.contactRef, d.obligationId, 'sent', d.messageId, null, null, d.sentAt]);
}

export function recordReminderFailure(tx: Tx, d: EventData<'reminder.failed.v1'>): Promise<HandlerResult> {
  return recordOutcome(tx, [d.reminderId, d.contactRef, d.obligationId, 'failed', null, d.reason, d.permanent, d.at]);
}

type OutcomeRow = [reminderId: string, contactRef: string, obligationId: string, outcome: 'sent' | 'failed',
  messageId: string | null, reason: string | null, permanent: boolean | null, at: string];

async function recordOutcome(tx: Tx, row: OutcomeRow): Promise<HandlerResult> {
  await tx.$executeRawUnsafe(
    `INSERT INTO reminder_delivery (reminder_id, contact_ref, obligation_id, outcome, message_id, reason, permanent, at)
     VALUES ($1::uuid, $2, $3::uuid, $4, $5, $6, $7, $8::timestamptz)
     ON CONFLICT (reminder_id, contact_ref) DO UPDATE
       SET outcome = EXCLUDED.outcome, message_id = EXCLUDED.message_id, reason = EXCLUDED.reason,
           permanent = EXCLUDED.permanent, at = EXCLUDED.at
       WHERE reminder_delivery.at <= EXCLUDED.at`, ...row);
  return 'done';
}
