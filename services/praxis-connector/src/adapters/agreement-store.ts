import type pg from 'pg';
import type { Tx } from './prisma';

/**
 * The read model of agreements (table `agreement`): what matching needs (references, start date,
 * status) and the revision it was last updated to. Prisma for the consumer's reads and writes of one
 * agreement by its id; plain SQL for the run's reads of many agreements at once.
 */
export interface AgreementRow {
  id: string;
  funderId: string;
  referenceCode: string;
  externalRef: string;
  startDate: string;
  status: string;
}
export interface AgreementFields {
  funderId: string;
  programmeId: string;
  referenceCode: string;
  externalRef: string;
  startDate: string;
  endDate: string;
  revision: number;
}

export async function agreementRevision(tx: Tx, id: string): Promise<{ revision: number; status: string } | null> {
  return tx.agreement.findUnique({ where: { id }, select: { revision: true, status: true } });
}

export async function createAgreement(tx: Tx, id: string, fields: AgreementFields): Promise<void> {
  await tx.agreement.create({ data: { id, status: 'active', ...fields } });
}

export async function updateAgreement(tx: Tx, id: string, fields: AgreementFields): Promise<void> {
  await tx.agreement.update({ where: { id }, data: fields });
}

export async function terminateAgreement(tx: Tx, id: string, revision: number): Promise<void> {
  await tx.agreement.update({ where: { id }, data: { status: 'terminated', revision } });
}

const AGREEMENT_COLUMNS = `id, funder_id AS "funderId", reference_code AS "referenceCode", external_ref AS "externalRef", start_date AS "startDate", status`;

/** The active agreements of these funders (what discovery matches notes against). */
export async function activeAgreements(pool: pg.Pool, funderIds: string[]): Promise<AgreementRow[]> {
  const { rows } = await pool.query<AgreementRow>(
    `SELECT ${AGREEMENT_COLUMNS} FROM agreement WHERE funder_id = ANY($1::uuid[]) AND status = 'active'`,
    [funderIds],
  );
  return rows;
}

export async function agreementsById(pool: pg.Pool, ids: string[]): Promise<AgreementRow[]> {
  const { rows } = await pool.query<AgreementRow>(
    `SELECT ${AGREEMENT_COLUMNS} FROM agreement WHERE id = ANY($1::uuid[])`,
    [ids],
  );
  return rows;
}
