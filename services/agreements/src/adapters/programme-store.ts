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
