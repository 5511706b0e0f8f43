import type { EventData } from '@pc/contracts';
import type { HandlerResult } from '@pc/bus';
import type { Tx } from '../adapters/prisma';

/** Keeps the local funder table in step with funder.registered.v1 (idempotent: upsert by id). */
export async function recordFunder(d: EventData<'funder.registered.v1'>, tx: Tx): Promise<HandlerResult> {
  await tx.funder.upsert({
    where: { id: d.funderId },
    create: { id: d.funderId, name: d.name, kind: d.kind, locale: d.locale },
    update: { name: d.name, kind: d.kind, locale: d.locale },
  });
  return 'done';
}
