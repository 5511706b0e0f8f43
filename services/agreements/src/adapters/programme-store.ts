/**
 * Programmes, reached by key through Prisma: one created, one found by id, one page of a funder's
 * list. The intake reads the programmes its rows name in bulk (intake-store.ts).
 */
import type { Prisma } from '../generated/prisma/client';
import { afterCursor, type PageRequest, type Tx } from './prisma';

export type ProgrammeRow = Prisma.ProgrammeGetPayload<object>;

export interface NewProgramme {
  id: string;
  funderId: string;
  code: string;
  name: string;
  sector: string | null;
  praxisFeeds: string[];
  reminderStages: Array<{ offsetDays: number; escalate: boolean }>;
  defaultRequirements: object[];
}

/** The programme as stored, or null when the funder already has a programme with this code. */
export async function insertProgramme(tx: Tx, p: NewProgramme): Promise<ProgrammeRow | null> {
  try {
    return await tx.programme.create({ data: p });
  } catch (err) {
    if ((err as { code?: string }).code === 'P2002') return null; // unique (funder_id, code)
    throw err;
  }
}

export function programmeById(db: Tx, id: string): Promise<ProgrammeRow> {
  return db.programme.findUniqueOrThrow({ where: { id } });
}

/** One page (and one row more, to tell whether another page follows) of the funders' programmes. */
export function programmePage(db: Tx, funders: string[], page: PageRequest): Promise<ProgrammeRow[]> {
  return db.programme.findMany({
    where: { funderId: { in: funders }, ...afterCursor(page.after) },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    take: page.limit + 1,
  });
}

/** Whether one of these funders has a programme with this id or code (the reports' `programme=` rule). */
export async function programmeExistsIn(db: Tx, funders: string[], codeOrId: string): Promise<boolean> {
  const rows = await db.$queryRawUnsafe<unknown[]>(
    'SELECT 1 FROM programme WHERE funder_id = ANY($1::uuid[]) AND (code = $2 OR id::text = $2) LIMIT 1',
    funders,
    codeOrId,
  );
  return rows.length > 0;
}
