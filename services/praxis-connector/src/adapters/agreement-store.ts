import type pg from 'pg';
import type { SqlTx } from '@pc/bus';
import type { AgreementRecord } from '../domain/agreement-read-model';

/**
 * The read model of agreements (table `agreement`): what matching needs (references, start date,
 * status) and the revision it was last updated to. Plain SQL: the consumer locks, reads and writes
 * a batch of agreements at once, and the run reads many at once.
 */
export interface AgreementRow {
  id: string;
  funderId: string;
  referenceCode: string;
  externalRef: string;
  startDate: string;
  status: string;
}
/** Locks and reads the records of these agreements (id order, the order every writer locks them in). */
export async function lockAgreements(tx: SqlTx, ids: string[]): Promise<Map<string, AgreementRecord>> {
  const rows = await tx.$queryRawUnsafe<Array<AgreementRecord & { id: string }>>(
    `SELECT id, funder_id AS "funderId", programme_id AS "programmeId", reference_code AS "referenceCode",
            external_ref AS "externalRef", start_date AS "startDate", end_date AS "endDate", status, revision
     FROM agreement WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
    ids,
  );
  return new Map(rows.map(({ id, ...record }) => [id, record]));
}

const recordColumns = (rows: ReadonlyArray<{ id: string; record: AgreementRecord }>): unknown[] => [
  rows.map((r) => r.id),
  rows.map((r) => r.record.funderId),
  rows.map((r) => r.record.programmeId),
  rows.map((r) => r.record.referenceCode),
  rows.map((r) => r.record.externalRef),
  rows.map((r) => r.record.startDate),
  rows.map((r) => r.record.endDate),
  rows.map((r) => r.record.status),
  rows.map((r) => r.record.revision),
];
const UNNEST_RECORDS = `unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::int[])
  AS u(id, funder_id, programme_id, reference_code, external_ref, start_date, end_date, status, revision)`;

/**
 * Writes the records of agreements that had none when they were locked. Throws when another writer
 * created one in between (the record it was folded from is then wrong): the bus retries the events
 * one by one, and they read the record that writer left.
 */
export async function insertAgreements(
  tx: SqlTx,
  rows: ReadonlyArray<{ id: string; record: AgreementRecord }>,
): Promise<void> {
  if (rows.length === 0) return;
  const inserted = await tx.$executeRawUnsafe(
    `INSERT INTO agreement (id, funder_id, programme_id, reference_code, external_ref, start_date, end_date, status, revision, updated_at)
     SELECT u.*, now() FROM ${UNNEST_RECORDS} ORDER BY u.id
     ON CONFLICT (id) DO NOTHING`,
    ...recordColumns(rows),
  );
  if (inserted !== rows.length)
    throw new Error(`${rows.length - inserted} agreements were recorded concurrently; the batch is retried`);
}

/** Overwrites the records of agreements locked by `lockAgreements` in this transaction. */
export async function updateAgreements(
  tx: SqlTx,
  rows: ReadonlyArray<{ id: string; record: AgreementRecord }>,
): Promise<void> {
  if (rows.length === 0) return;
  await tx.$executeRawUnsafe(
    `UPDATE agreement a SET funder_id = u.funder_id, programme_id = u.programme_id, reference_code = u.reference_code,
            external_ref = u.external_ref, start_date = u.start_date, end_date = u.end_date, status = u.status,
            revision = u.revision, updated_at = now()
     FROM ${UNNEST_RECORDS} WHERE a.id = u.id`,
    ...recordColumns(rows),
  );
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
