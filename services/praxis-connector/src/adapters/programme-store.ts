import type pg from 'pg';
import type { Tx } from './prisma';

/**
 * The read model of programmes (table `programme`): which Praxis feeds each funder's programme
 * registered. Prisma for the consumer's write of one programme by its id; plain SQL for the run's
 * read of every programme at once.
 */
export interface ProgrammeRow {
  id: string;
  funderId: string;
  feeds: string[];
}

export async function saveProgramme(
  tx: Tx,
  p: { id: string; funderId: string; code: string; feeds: string[] },
): Promise<void> {
  const fields = { funderId: p.funderId, code: p.code, feeds: p.feeds };
  await tx.programme.upsert({ where: { id: p.id }, create: { id: p.id, ...fields }, update: fields });
}

export async function allProgrammes(pool: pg.Pool): Promise<ProgrammeRow[]> {
  const { rows } = await pool.query<ProgrammeRow>(
    'SELECT id, funder_id AS "funderId", feeds FROM programme ORDER BY id',
  );
  return rows;
}
