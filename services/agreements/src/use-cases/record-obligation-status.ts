import type { EventData } from '@pc/contracts';
import type { HandlerResult } from '@pc/bus';
import { saveObligationStatus } from '../adapters/agreement-store';
import type { Tx } from '../adapters/prisma';

/**
 * Read model of obligation statuses (the obligations service owns the life cycle): applies
 * obligation.transitioned.v1 unless a newer state is already recorded, so a redelivered or
 * reordered event never moves the status backwards ('skipped'). A due date that differs from the
 * derived one (an extension) is kept beside it.
 */
export async function recordObligationStatus(
  d: EventData<'obligation.transitioned.v1'>,
  tx: Tx,
): Promise<HandlerResult> {
  return (await saveObligationStatus(tx, d)) ? 'done' : 'skipped';
}
