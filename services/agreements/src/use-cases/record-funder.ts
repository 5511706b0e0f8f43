import type { EventData } from '@pc/contracts';
import type { HandlerResult } from '@pc/bus';
import { upsertFunder } from '../adapters/funder-store';
import type { Tx } from '../adapters/prisma';

/** Keeps the local funder table in step with funder.registered.v1 (idempotent: upsert by id). */
export async function recordFunder(d: EventData<'funder.registered.v1'>, tx: Tx): Promise<HandlerResult> {
  await upsertFunder(tx, d);
  return 'done';
}
