import type { HandlerResult } from '@pc/bus';
import type { EventData } from '@pc/contracts';
import { normaliseStages } from '@pc/lifecycle';
import type { Tx } from '../adapters/prisma';
import { saveProgramme } from '../adapters/programme-store';

/** programme.registered.v1: keeps the programme's reminder policy (an empty or missing policy means the default stages). */
export async function registerProgramme(tx: Tx, d: EventData<'programme.registered.v1'>): Promise<HandlerResult> {
  await saveProgramme(tx, d, normaliseStages(d.reminderStages));
  return 'done';
}
