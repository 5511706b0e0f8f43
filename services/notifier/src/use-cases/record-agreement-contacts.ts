import type { EventData } from '@pc/contracts';
import type { HandlerResult } from '@pc/bus';
import { normalizeEmail } from '../domain/ids';
import { advanceAgreement, replaceAgreementContacts } from '../adapters/directory-store';
import type { Tx } from '../adapters/prisma';

/**
 * agreement.registered.v1 / agreement.amended.v1: who the contacts of the agreement are (who may set
 * preferences for which grantee). A snapshot whose revision is not newer than the stored one is ignored.
 */
export async function recordAgreementContacts(
  tx: Tx,
  d: EventData<'agreement.registered.v1' | 'agreement.amended.v1'>,
): Promise<HandlerResult> {
  const agreement = { id: d.agreementId, funderId: d.funderId, granteeId: d.grantee.id, revision: d.revision };
  if (!(await advanceAgreement(tx, agreement))) return 'skipped';
  const seen = new Set<string>();
  const contacts = d.contacts
    .map((c) => ({ ...c, email: normalizeEmail(c.email) }))
    .filter((c) => (seen.has(c.email) ? false : (seen.add(c.email), true)));
  await replaceAgreementContacts(tx, agreement, contacts);
  return 'done';
}
