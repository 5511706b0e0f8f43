import type pg from 'pg';
import type { SqlTx } from '@pc/bus';
import type { FunderCopyTo } from '../domain/digest-plan';
import type { DirectoryNames } from '../templates/view';
import type { PrismaClient } from './prisma';

/*
 * The directory the emails need, built from events: funders (name, language, report recipients),
 * programmes, and each agreement's contacts. Plain SQL for the writes (a batch of events at a time,
 * multi-row statements) and the lookups of a whole run or batch; Prisma for the routes' reads.
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

/** Funders as last registered (one row each: give at most one entry per id). */
export async function upsertFunders(tx: SqlTx, funders: FunderEntry[]): Promise<void> {
  if (funders.length === 0) return;
  await tx.$executeRawUnsafe(
    `INSERT INTO funder (id, name, locale, report_recipients, updated_at)
     SELECT f.id, f.name, f.locale, f."reportRecipients", now()
     FROM jsonb_to_recordset($1::jsonb) AS f(id uuid, name text, locale text, "reportRecipients" text[])
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, locale = EXCLUDED.locale,
       report_recipients = EXCLUDED.report_recipients, updated_at = now()`,
    JSON.stringify(funders),
  );
}

/** Programmes as last registered (one row each: give at most one entry per id). */
export async function upsertProgrammes(tx: SqlTx, programmes: ProgrammeEntry[]): Promise<void> {
  if (programmes.length === 0) return;
  await tx.$executeRawUnsafe(
    `INSERT INTO programme (id, funder_id, code, name, updated_at)
     SELECT u.id, u.funder_id, u.code, u.name, now() FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[]) AS u(id, funder_id, code, name)
     ON CONFLICT (id) DO UPDATE SET funder_id = EXCLUDED.funder_id, code = EXCLUDED.code, name = EXCLUDED.name, updated_at = now()`,
    programmes.map((p) => p.id),
    programmes.map((p) => p.funderId),
    programmes.map((p) => p.code),
    programmes.map((p) => p.name),
  );
}

export interface AgreementRevision {
  id: string;
  funderId: string;
  granteeId: string;
  revision: number;
}

/**
 * Records each agreement's revision where it is newer than the stored one, and returns the ids
 * that advanced (the others were stale snapshots). Conditional upsert: concurrent snapshots of one
 * agreement serialize on its row, and only a newer revision wins (a read-then-write would let a
 * stale one overwrite a newer one). One row per agreement id.
 */
export async function advanceAgreements(tx: SqlTx, agreements: AgreementRevision[]): Promise<Set<string>> {
  if (agreements.length === 0) return new Set();
  const applied = await tx.$queryRawUnsafe<Array<{ id: string }>>(
    `INSERT INTO directory_agreement (id, funder_id, grantee_id, revision, updated_at)
     SELECT u.id, u.funder_id, u.grantee_id, u.revision, now()
     FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::int[]) AS u(id, funder_id, grantee_id, revision) ORDER BY u.id
     ON CONFLICT (id) DO UPDATE SET funder_id = EXCLUDED.funder_id, grantee_id = EXCLUDED.grantee_id, revision = EXCLUDED.revision, updated_at = now()
     WHERE directory_agreement.revision < EXCLUDED.revision
     RETURNING id`,
    agreements.map((a) => a.id),
    agreements.map((a) => a.funderId),
    agreements.map((a) => a.granteeId),
    agreements.map((a) => a.revision),
  );
  return new Set(applied.map((r) => r.id));
}

/** Each agreement's contacts become exactly those given for it (distinct addresses per agreement). */
export async function replaceAgreementContacts(
  tx: SqlTx,
  agreements: Array<{ id: string; funderId: string; granteeId: string; contacts: AgreementContactEntry[] }>,
): Promise<void> {
  if (agreements.length === 0) return;
  await tx.$executeRawUnsafe(
    'DELETE FROM agreement_contact WHERE agreement_id = ANY($1::uuid[])',
    agreements.map((a) => a.id),
  );
  const rows = agreements.flatMap((a) => a.contacts.map((c) => ({ ...c, a })));
  if (rows.length === 0) return;
  await tx.$executeRawUnsafe(
    `INSERT INTO agreement_contact (agreement_id, email, grantee_id, funder_id, name, locale)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::text[], $6::text[])`,
    rows.map((r) => r.a.id),
    rows.map((r) => r.email),
    rows.map((r) => r.a.granteeId),
    rows.map((r) => r.a.funderId),
    rows.map((r) => r.name),
    rows.map((r) => r.locale),
  );
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
