import type { EventData } from '@pc/contracts';
import type { HandlerResult } from '@pc/bus';
import type { Tx } from '../adapters/prisma';
import { agreementRevision, createAgreement, updateAgreement } from '../adapters/agreement-store';

/**
 * agreement.registered.v1 / agreement.amended.v1: the reference code and dates notes are matched
 * against. Snapshots carry a revision: an older or equal one is ignored, so redelivered or reordered
 * events never roll an agreement back.
 */
export async function recordAgreement(
  d: EventData<'agreement.registered.v1' | 'agreement.amended.v1'>,
  tx: Tx,
): Promise<HandlerResult> {
  const fields = {
    funderId: d.funderId,
    programmeId: d.programmeId,
    referenceCode: d.referenceCode,
    externalRef: d.externalRef,
    startDate: d.startDate,
    endDate: d.endDate,
    revision: d.revision,
  };
  const current = await agreementRevision(tx, d.agreementId);
  if (!current) {
    await createAgreement(tx, d.agreementId, fields);
    return 'done';
  }
  if (current.revision >= d.revision) return 'skipped';
  await updateAgreement(tx, d.agreementId, fields);
  return 'done';
}
