import type { EventData } from '@pc/contracts';
import type { HandlerResult } from '@pc/bus';
import type { Tx } from '../adapters/prisma';
import { agreementRevision, terminateAgreement } from '../adapters/agreement-store';

/** agreement.terminated.v1: a terminated agreement is no longer matched; one older than the stored revision is ignored. */
export async function recordTermination(d: EventData<'agreement.terminated.v1'>, tx: Tx): Promise<HandlerResult> {
  const current = await agreementRevision(tx, d.agreementId);
  if (!current) return 'skipped'; // never registered here: nothing to match against
  if (current.revision > d.revision) return 'skipped';
  await terminateAgreement(tx, d.agreementId, d.revision);
  return 'done';
}
