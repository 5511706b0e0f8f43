/** The local copy of funders (from funder.registered.v1), written by key through Prisma. */
import type { Tx } from './prisma';

export interface FunderRecord {
  funderId: string;
  name: string;
  kind: string;
  locale: string;
}

/** Insert or update by id, so the same event applied twice leaves one row. */
export async function upsertFunder(tx: Tx, f: FunderRecord): Promise<void> {
  await tx.funder.upsert({
    where: { id: f.funderId },
    create: { id: f.funderId, name: f.name, kind: f.kind, locale: f.locale },
    update: { name: f.name, kind: f.kind, locale: f.locale },
  });
}
