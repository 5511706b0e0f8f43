import type { EventData } from '@pc/contracts';
import type { HandlerResult } from '@pc/bus';
import type { Tx } from '../adapters/prisma';
import { saveProgramme } from '../adapters/programme-store';

/** programme.registered.v1: the programme's feeds, where discovery looks for notes. */
export async function recordProgramme(d: EventData<'programme.registered.v1'>, tx: Tx): Promise<HandlerResult> {
  await saveProgramme(tx, { id: d.programmeId, funderId: d.funderId, code: d.code, feeds: d.praxisFeeds });
  return 'done';
}
