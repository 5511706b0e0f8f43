import type { HandlerResult } from '@pc/bus';
import type { EventData } from '@pc/contracts';
import type { Tx } from '../adapters/prisma';
import { saveFunder } from '../adapters/funder-store';

/**
 * funder.registered.v1: keeps the funder's name, which every obligation view carries (`funderName`)
 * so a grantee contact, who reads obligations of several funders, sees whose each one is. Only the
 * name is kept: the rest of the funder (recipients, language) is not this service's business.
 */
export async function recordFunder(tx: Tx, d: EventData<'funder.registered.v1'>): Promise<HandlerResult> {
  await saveFunder(tx, d);
  return 'done';
}
