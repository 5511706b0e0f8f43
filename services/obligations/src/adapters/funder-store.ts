/** Funders' names as this service keeps them (from funder.registered.v1), by id through Prisma. */
import type { EventData } from '@pc/contracts';
import type { Tx } from './prisma';

/** Keeps a funder's name (idempotent: upsert by id; a later registration event of the same id wins). */
export async function saveFunder(tx: Tx, d: EventData<'funder.registered.v1'>): Promise<void> {
  await tx.funder.upsert({
    where: { id: d.funderId },
    create: { id: d.funderId, name: d.name },
    update: { name: d.name, updatedAt: new Date() },
  });
}
