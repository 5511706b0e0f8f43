import type { EventData } from '@pc/contracts';
import type { HandlerResult } from '@pc/bus';
import { upsertProgramme } from '../adapters/directory-store';
import type { Tx } from '../adapters/prisma';

/** programme.registered.v1: the programme's code and name, as the emails show them. */
export async function recordProgramme(tx: Tx, d: EventData<'programme.registered.v1'>): Promise<HandlerResult> {
  await upsertProgramme(tx, { id: d.programmeId, funderId: d.funderId, code: d.code, name: d.name });
  return 'done';
}
