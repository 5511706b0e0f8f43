import type pg from 'pg';
import type { SqlTx } from '@pc/bus';
import type { FunderCopyTo } from '../domain/digest-plan';
import type { DirectoryNames } from '../templates/view';
import type { PrismaClient, Tx } from './prisma';

/*
 * The directory the emails need, built from events: funders (name, language, report recipients),
 * programmes, and each agreement's contacts. Prisma for one record by its key; plain SQL for the
 * revision-guarded upsert and for lookups of a whole run or batch.
 */

export interface FunderEntry {
  id: string;
  name: string;
  locale: string;
  reportRecipients: string[];
}
export interface ProgrammeEntry {
  id: string;
  funderId: string;
  code: string;
  name: string;
}
export interface AgreementContactEntry {
  email: string;
  name: string;
  locale: string;
}

export async function upsertFunder(tx: Tx, { id, ...data }: FunderEntry): Promise<void> {
  await tx.funder.upsert({ where: { id }, create: { id, ...data }, update: data });
}

export async function upsertProgramme(tx: Tx, { id, ...data }: ProgrammeEntry): Promise<void> {
  await tx.programme.upsert({ where: { id }, create: { id, ...data }, update: data });
}

/**
 * Records the agreement's revision if it is newer than the stored one; false when it is not (stale
 * snapshot). Conditional upsert: concurrent snapshots of one agreement serialize on its row, and only
 * a newer revision wins (a read-then-write would let a stale one overwrite a newer one).
 */
export async function advanceAgreement(
  tx: Tx,
  a: { id: string; funderId: string; granteeId: string; revision: number },
): Promise<boolean> {
  const applied = await tx.$queryRawUnsafe<unknown[]>(
    `INSERT INTO directory_agreement (id, funder_id, grantee_id, revision, updated_at) VALUES ($1::uuid, $2::uuid, $3::uuid, $4, now())
     ON CONFLICT (id) DO UPDATE SET funder_id = EXCLUDED.funder_id, grantee_id = EXCLUDED.grantee_id, revision = EXCLUDED.revision, updated_at = now()
     WHERE directory_agreement.revision < EXCLUDED.revision
     RETURNING id`,
    a.id,
    a.funderId,
    a.granteeId,
    a.revision,
  );
  return applied.length > 0;
}

/** The agreement's contacts become exactly `contacts` (distinct addresses). */
export async function replaceAgreementContacts(
  tx: Tx,
  a: { id: string; funderId: string; granteeId: string },
  contacts: AgreementContactEntry[],
): Promise<void> {
  await tx.agreementContact.deleteMany({ where: { agreementId: a.id } });
  if (contacts.length > 0) {
    await tx.agreementContact.createMany({
      data: contacts.map((c) => ({
        agreementId: a.id,
        email: c.email,
        granteeId: a.granteeId,
        funderId: a.funderId,
        name: c.name,
        locale: c.locale,
      })),
    });
  }
}

/** Whether the address is a contact of one of the grantee's agreements. */
export async function isContactOf(prisma: PrismaClient, granteeId: string, email: string): Promise<boolean> {
  return (await prisma.agreementContact.findFirst({ where: { granteeId, email }, select: { email: true } })) !== null;
}

/** Language and report recipients of these funders (copied on escalations). */
export async function funderCopiesTo(tx: SqlTx, funderIds: string[]): Promise<Map<string, FunderCopyTo>> {
  const rows = await tx.$queryRawUnsafe<{ id: string; locale: string; reportRecipients: string[] }[]>(
    'SELECT id, locale, report_recipients AS "reportRecipients" FROM funder WHERE id = ANY($1::uuid[])',
    funderIds,
  );
  return new Map(rows.map((f) => [f.id, f]));
}

/** Funder and programme names, as the emails show them. */
export async function directoryNames(
  pool: pg.Pool,
  funderIds: string[],
  programmeIds: string[],
): Promise<DirectoryNames> {
  const [f, p] = await Promise.all([
    pool.query<{ id: string; name: string }>('SELECT id, name FROM funder WHERE id = ANY($1::uuid[])', [funderIds]),
    pool.query<{ id: string; name: string; code: string }>(
      'SELECT id, name, code FROM programme WHERE id = ANY($1::uuid[])',
      [programmeIds],
    ),
  ]);
  return { funders: new Map(f.rows.map((r) => [r.id, r])), programmes: new Map(p.rows.map((r) => [r.id, r])) };
}
