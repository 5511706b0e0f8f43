import type pg from 'pg';
import type { SqlTx } from '@pc/bus';

/**
 * The read model of programmes (table `programme`): which Praxis feeds each funder's programme
 * registered. Plain SQL: the consumer writes a batch of programmes at once, the run reads them all.
 */
export interface ProgrammeRow {
  id: string;
  funderId: string;
  feeds: string[];
}

/** Programmes as last registered (at most one entry per id). */
export async function saveProgrammes(
  tx: SqlTx,
  programmes: ReadonlyArray<{ id: string; funderId: string; code: string; feeds: string[] }>,
): Promise<void> {
  if (programmes.length === 0) return;
  await tx.$executeRawUnsafe(
    `INSERT INTO programme (id, funder_id, code, feeds, updated_at)
     SELECT p.id, p."funderId", p.code, p.feeds, now()
     FROM jsonb_to_recordset($1::jsonb) AS p(id uuid, "funderId" uuid, code text, feeds text[])
     ON CONFLICT (id) DO UPDATE SET funder_id = EXCLUDED.funder_id, code = EXCLUDED.code, feeds = EXCLUDED.feeds, updated_at = now()`,
    JSON.stringify(programmes),
  );
}

export async function allProgrammes(pool: pg.Pool): Promise<ProgrammeRow[]> {
  const { rows } = await pool.query<ProgrammeRow>(
    'SELECT id, funder_id AS "funderId", feeds FROM programme ORDER BY id',
  );
  return rows;
}
