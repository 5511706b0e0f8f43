import type { EventData } from '@pc/contracts';
import type { HandlerResult } from '@pc/bus';
import type { Tx } from '../adapters/prisma';

/**
 * Read model of obligation statuses (the obligations service owns the life cycle): applies
 * obligation.transitioned.v1 unless a newer state is already recorded, so a redelivered or
 * reordered event never moves the status backwards. A due date that differs from the derived one
 * (an extension) is kept beside it.
 */
export async function recordObligationStatus(d: EventData<'obligation.transitioned.v1'>, tx: Tx): Promise<HandlerResult> {
  const n = await tx.$executeRawUnsafe(
    `UPDATE obligation SET status = $2, status_at = $3::timestamptz,
            current_due_date = CASE WHEN due_date = $4::date THEN NULL ELSE $4::date END
     WHERE id = $1::uuid AND status_at <= $3::timestamptz`,
    d.obligationId, d.to, d.at, d.dueDate);
  return n > 0 ? 'done' : 'skipped';
}
