/**
 * Agreements as this service keeps them: the latest snapshot and its revision (or a tombstone when
 * the termination arrived first). Prisma by key; the row lock in SQL (`FOR UPDATE`).
 */
import type { EventData } from '@pc/contracts';
import { toDbDate, type Tx } from './prisma';

export type Snapshot = EventData<'agreement.registered.v1'> | EventData<'agreement.amended.v1'>;

/** Locks the agreement row (snapshots of one agreement apply one at a time) and returns its revision. */
export async function lockAgreement(tx: Tx, id: string): Promise<{ revision: number; status: string } | null> {
  const rows = await tx.$queryRawUnsafe<{ revision: number; status: string }[]>(
    'SELECT revision, status FROM agreement WHERE id = $1::uuid FOR UPDATE',
    id,
  );
  return rows[0] ?? null;
}

/** Stores a snapshot over the stored agreement (`exists`), or as a new active one. The status is kept. */
export async function saveSnapshot(tx: Tx, d: Snapshot, exists: boolean): Promise<void> {
  const fields = {
    funderId: d.funderId,
    programmeId: d.programmeId,
    programmeCode: d.programmeCode,
    externalRef: d.externalRef,
    referenceCode: d.referenceCode,
    title: d.title,
    startDate: toDbDate(d.startDate),
    endDate: toDbDate(d.endDate),
    granteeId: d.grantee.id,
    granteeName: d.grantee.name,
    granteeNeq: d.grantee.neq,
    contacts: d.contacts as never,
    contactEmails: d.contacts.map((c) => c.email.toLowerCase()),
    revision: d.revision,
    updatedAt: new Date(),
  };
  if (exists) await tx.agreement.update({ where: { id: d.agreementId }, data: fields });
  else await tx.agreement.create({ data: { id: d.agreementId, ...fields, status: 'active' } });
}

/** A termination that arrived before the registration: the late registration will find it and be ignored. */
export async function saveTombstone(tx: Tx, d: EventData<'agreement.terminated.v1'>): Promise<void> {
  await tx.agreement.create({
    data: { id: d.agreementId, funderId: d.funderId, revision: d.revision, status: 'terminated' },
  });
}

export async function markTerminated(tx: Tx, id: string, revision: number, at: Date): Promise<void> {
  await tx.agreement.update({ where: { id }, data: { revision, status: 'terminated', updatedAt: at } });
}

/** Which of these agreements this service knows. */
export function knownAgreements(tx: Tx, ids: string[]): Promise<{ id: string; status: string }[]> {
  return tx.agreement.findMany({ where: { id: { in: ids } }, select: { id: true, status: true } });
}
