import type { PersonDataPort, SqlTx } from '@pc/bus';
import { pseudonymize } from '@pc/service-kit';

/**
 * Law 25 in the obligations schema: the contacts of each agreement snapshot (to address reminders)
 * and the notifier's delivery reports, which name a contact by an unkeyed hash of the address.
 * An erasure takes the person out of the snapshots (the obligations and their dates stay: they are
 * the funder's records) and re-keys the delivery reports to the keyed pseudonym.
 */
export const obligationsPersonData: PersonDataPort<SqlTx> = {
  async exportOf(tx, email) {
    const contacts = await tx.$queryRawUnsafe<Array<Record<string, unknown>>>(
      `SELECT a.id AS "agreementId", a.reference_code AS "referenceCode", a.funder_id AS "funderId", c AS contact,
              a.updated_at AS "updatedAt"
         FROM agreement a, jsonb_array_elements(a.contacts) c
        WHERE lower(c->>'email') = $1 ORDER BY a.updated_at`,
      email,
    );
    const deliveries = await tx.$queryRawUnsafe<Array<Record<string, unknown>>>(
      `SELECT reminder_id AS "reminderId", obligation_id AS "obligationId", contact_ref AS "contactRef", outcome,
              reason, at FROM reminder_delivery WHERE contact_ref = $1 ORDER BY at`,
      pseudonymize(email),
    );
    return [
      {
        kind: 'agreement_contact',
        description: 'Contact in the stored agreement snapshot (to address reminders)',
        rows: contacts,
      },
      { kind: 'reminder_delivery', description: 'Outcome of a reminder sent to the contact', rows: deliveries },
    ];
  },

  async erase(tx, email, pseudonym) {
    const named = await tx.$queryRawUnsafe<Array<{ name: string }>>(
      `SELECT DISTINCT c->>'name' AS name FROM agreement a, jsonb_array_elements(a.contacts) c
        WHERE lower(c->>'email') = $1`,
      email,
    );
    const snapshots = await tx.$executeRawUnsafe(
      `UPDATE agreement a SET contacts = COALESCE(
          (SELECT jsonb_agg(c) FROM jsonb_array_elements(a.contacts) c WHERE lower(c->>'email') <> $1), '[]'::jsonb),
          contact_emails = array_remove(a.contact_emails, $1)
        WHERE EXISTS (SELECT 1 FROM jsonb_array_elements(a.contacts) c WHERE lower(c->>'email') = $1)`,
      email,
    );
    const deliveries = await tx.$executeRawUnsafe(
      `UPDATE reminder_delivery SET contact_ref = $2 WHERE contact_ref = $1`,
      pseudonymize(email),
      pseudonym,
    );
    return {
      counts: { agreementSnapshots: snapshots, deliveryReportsRekeyed: deliveries },
      names: named.map((r) => r.name).filter(Boolean),
    };
  },
};
