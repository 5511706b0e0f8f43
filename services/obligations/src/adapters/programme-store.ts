/** Programmes as this service keeps them: their reminder policy, by id (Prisma; plain SQL for a set). */
import type { EventData } from '@pc/contracts';
import type { ReminderStage } from '@pc/lifecycle';
import type { Tx } from './prisma';

/** Keeps the programme and its reminder stages (already normalised: never empty). */
export async function saveProgramme(
  tx: Tx,
  d: EventData<'programme.registered.v1'>,
  stages: ReminderStage[],
): Promise<void> {
  await tx.programme.upsert({
    where: { id: d.programmeId },
    create: { id: d.programmeId, funderId: d.funderId, code: d.code, name: d.name, reminderStages: stages as never },
    update: {
      funderId: d.funderId,
      code: d.code,
      name: d.name,
      reminderStages: stages as never,
      updatedAt: new Date(),
    },
  });
}

/** The stages as stored; undefined when programme.registered.v1 has not arrived. */
export async function storedStages(tx: Tx, programmeId: string): Promise<ReminderStage[] | undefined> {
  const p = await tx.programme.findUnique({ where: { id: programmeId }, select: { reminderStages: true } });
  return p?.reminderStages as ReminderStage[] | undefined;
}

/** The stages as stored of several programmes, by id (a set: plain SQL); a programme whose registration has not arrived is absent. */
export async function storedStagesOf(tx: Tx, programmeIds: readonly string[]): Promise<Map<string, ReminderStage[]>> {
  const rows = await tx.$queryRawUnsafe<Array<{ id: string; reminder_stages: ReminderStage[] }>>(
    'SELECT id, reminder_stages FROM programme WHERE id = ANY($1::uuid[])',
    [...programmeIds],
  );
  return new Map(rows.map((p) => [p.id, p.reminder_stages]));
}
