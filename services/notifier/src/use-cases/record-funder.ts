import type { EventData } from '@pc/contracts';
import type { HandlerResult } from '@pc/bus';
import { normalizeEmail } from '../domain/ids';
import { upsertFunder } from '../adapters/directory-store';
import type { Tx } from '../adapters/prisma';

/** funder.registered.v1: the funder's name, language and report recipients (copied on escalations). */
export async function recordFunder(tx: Tx, d: EventData<'funder.registered.v1'>): Promise<HandlerResult> {
  await upsertFunder(tx, {
    id: d.funderId,
    name: d.name,
    locale: d.locale,
    reportRecipients: d.reportRecipients.map(normalizeEmail),
  });
  return 'done';
}
