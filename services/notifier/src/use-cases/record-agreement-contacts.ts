import type { EventData } from '@pc/contracts';
import type { SqlTx } from '@pc/bus';
import { normalizeEmail } from '../domain/ids';
import { newestPerAgreement } from '../domain/snapshot-order';
import { advanceAgreements, replaceAgreementContacts } from '../adapters/directory-store';

type Snapshot = EventData<'agreement.registered.v1' | 'agreement.amended.v1'>;

/**
 * agreement.registered.v1 / agreement.amended.v1: who the contacts of each agreement are (who may
 * set preferences for which grantee). A snapshot whose revision is not newer than the stored one is
 * ignored. Snapshots handled together (an import's burst) are written once per agreement, in a few
 * multi-row statements, ending as handling them one by one in delivery order would.
 */
export async function recordAgreementContacts(tx: SqlTx, snapshots: readonly Snapshot[]): Promise<void> {
  const newest = newestPerAgreement(snapshots);
  const advanced = await advanceAgreements(
    tx,
    newest.map((d) => ({ id: d.agreementId, funderId: d.funderId, granteeId: d.grantee.id, revision: d.revision })),
  );
  await replaceAgreementContacts(
    tx,
    newest
      .filter((d) => advanced.has(d.agreementId))
      .map((d) => ({
        id: d.agreementId,
        funderId: d.funderId,
        granteeId: d.grantee.id,
        contacts: distinctContacts(d),
      })),
  );
}

/** The snapshot's contacts by normalized address, the first of each address kept. */
function distinctContacts(d: Snapshot): Array<{ email: string; name: string; locale: string }> {
  const seen = new Set<string>();
  return d.contacts
    .map((c) => ({ ...c, email: normalizeEmail(c.email) }))
    .filter((c) => (seen.has(c.email) ? false : (seen.add(c.email), true)));
}
