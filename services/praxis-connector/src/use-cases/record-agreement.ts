import type { EventData } from '@pc/contracts';
import type { SqlTx } from '@pc/bus';
import { foldAgreementChanges, type AgreementChange, type AgreementRecord } from '../domain/agreement-read-model';
import { insertAgreements, lockAgreements, updateAgreements } from '../adapters/agreement-store';

export type AgreementEvent =
  | {
      type: 'agreement.registered.v1' | 'agreement.amended.v1';
      data: EventData<'agreement.registered.v1' | 'agreement.amended.v1'>;
    }
  | { type: 'agreement.terminated.v1'; data: EventData<'agreement.terminated.v1'> };

const changeOf = (e: AgreementEvent): AgreementChange =>
  e.type === 'agreement.terminated.v1'
    ? { kind: 'terminated', revision: e.data.revision }
    : {
        kind: 'snapshot',
        revision: e.data.revision,
        fields: {
          funderId: e.data.funderId,
          programmeId: e.data.programmeId,
          referenceCode: e.data.referenceCode,
          externalRef: e.data.externalRef,
          startDate: e.data.startDate,
          endDate: e.data.endDate,
        },
      };

/**
 * agreement.registered/amended/terminated.v1: the reference code and dates notes are matched
 * against, and whether the agreement is still matched. Revision order (`domain/agreement-read-model.ts`):
 * redelivered or reordered events never roll an agreement back. A batch (an import's burst) locks
 * its agreements, folds each one's events in delivery order and writes each changed record once.
 */
export async function recordAgreementEvents(tx: SqlTx, events: readonly AgreementEvent[]): Promise<void> {
  const byAgreement = new Map<string, AgreementChange[]>();
  for (const e of events) {
    const changes = byAgreement.get(e.data.agreementId) ?? [];
    changes.push(changeOf(e));
    byAgreement.set(e.data.agreementId, changes);
  }
  const stored = await lockAgreements(tx, [...byAgreement.keys()]);
  const created: Array<{ id: string; record: AgreementRecord }> = [];
  const changed: Array<{ id: string; record: AgreementRecord }> = [];
  for (const [id, changes] of byAgreement) {
    const before = stored.get(id) ?? null;
    const after = foldAgreementChanges(before, changes);
    if (after === before || !after) continue;
    (before ? changed : created).push({ id, record: after });
  }
  await insertAgreements(tx, created);
  await updateAgreements(tx, changed);
}
