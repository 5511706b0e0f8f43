import { queryParts, type PersonDataPort, type PersonQuery, type SqlTx } from '@pc/bus';

/** Columns of the notifier's tables that hold a contact's address, for an export. */
const EXPORTS: PersonQuery[] = [
  {
    kind: 'agreement_contact',
    description: 'Directory: contact of an agreement, who may be written to and set preferences',
    sql: `SELECT agreement_id AS "agreementId", grantee_id AS "granteeId", funder_id AS "funderId", email, name, locale
            FROM agreement_contact WHERE email = $1`,
  },
  {
    kind: 'contact',
    description: 'Whether the address is failing (a fact about the mailbox)',
    sql: `SELECT email, failing_at AS "failingAt", failing_reason AS "failingReason", updated_at AS "updatedAt"
            FROM contact WHERE email = $1`,
  },
  {
    kind: 'contact_preference',
    description: 'Language chosen for the contact by a grantee',
    sql: `SELECT grantee_id AS "granteeId", email, locale, updated_at AS "updatedAt" FROM contact_preference WHERE email = $1`,
  },
  {
    kind: 'reminder_delivery',
    description: 'Send ledger: one reminder stage for the address (state, when sent)',
    sql: `SELECT id, reminder_id AS "reminderId", obligation_id AS "obligationId", agreement_id AS "agreementId",
                 funder_id AS "funderId", email, contact_name AS "contactName", contact_locale AS "contactLocale",
                 stage_key AS "stageKey", state, sent_at AS "sentAt", created_at AS "createdAt"
            FROM reminder_delivery WHERE email = $1 ORDER BY created_at`,
  },
  {
    kind: 'digest',
    description: 'One email sent (or to send) to the address, or copied to it',
    sql: `SELECT id, run_id AS "runId", kind, email, to_addrs AS "to", cc_addrs AS "cc", locale, state,
                 sent_at AS "sentAt", created_at AS "createdAt"
            FROM digest WHERE email = $1 OR $1 = ANY(to_addrs) OR $1 = ANY(cc_addrs) ORDER BY created_at`,
  },
];

/**
 * Law 25 in the notifier schema (addresses are stored lower-cased). An erasure removes the directory
 * rows, the failing-address fact and the preferences; the send ledger and the digests keep their
 * rows (what was sent when, counted by the reports) with the address and name replaced by the keyed
 * pseudonym, and what was still to be sent to the person is abandoned (failed_permanent).
 */
export const notifierPersonData: PersonDataPort<SqlTx> = {
  exportOf: (tx, email) => queryParts(tx, EXPORTS, email),

  async erase(tx, email, pseudonym) {
    const named = await tx.$queryRawUnsafe<Array<{ name: string }>>(
      `SELECT name FROM agreement_contact WHERE email = $1
       UNION SELECT contact_name FROM reminder_delivery WHERE email = $1`,
      email,
    );
    const names = named.map((r) => r.name);
    const abandoned = `state IN ('pending', 'sending', 'failed_temporary', 'skipped_window')`;
    const deliveries = await tx.$executeRawUnsafe(
      `UPDATE reminder_delivery SET email = $2, contact_name = $2,
              state = CASE WHEN ${abandoned} THEN 'failed_permanent' ELSE state END,
              last_error = CASE WHEN ${abandoned} THEN 'erased (Law 25)' ELSE NULL END, updated_at = now()
        WHERE email = $1`,
      email,
      pseudonym,
    );
    const digests = await tx.$executeRawUnsafe(
      `UPDATE digest SET email = CASE WHEN email = $1 THEN $2 ELSE email END,
              to_addrs = array_replace(to_addrs, $1, $2), cc_addrs = array_replace(cc_addrs, $1, $2),
              state = CASE WHEN email = $1 AND ${abandoned} THEN 'failed_permanent' ELSE state END,
              last_error = CASE WHEN last_error ILIKE '%' || $1 || '%' THEN 'erased (Law 25)' ELSE last_error END
        WHERE email = $1 OR $1 = ANY(to_addrs) OR $1 = ANY(cc_addrs)`,
      email,
      pseudonym,
    );
    const contacts = await tx.$executeRawUnsafe(`DELETE FROM agreement_contact WHERE email = $1`, email);
    const failing = await tx.$executeRawUnsafe(`DELETE FROM contact WHERE email = $1`, email);
    const preferences = await tx.$executeRawUnsafe(`DELETE FROM contact_preference WHERE email = $1`, email);
    // Error texts of other rows may quote the address (an SMTP rejection names its recipient).
    await tx.$executeRawUnsafe(
      `UPDATE reminder_delivery SET last_error = 'erased (Law 25)' WHERE last_error ILIKE '%' || $1 || '%'`,
      email,
    );
    return {
      counts: {
        directoryContacts: contacts,
        failingAddresses: failing,
        contactPreferences: preferences,
        deliveriesPseudonymised: deliveries,
        digestsPseudonymised: digests,
      },
      names,
    };
  },
};
