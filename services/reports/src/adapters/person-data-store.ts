import type { PersonDataPort } from '@pc/bus';
import { pseudonymize } from '@pc/service-kit';
import type { AuditedTx } from './audit-store';

/**
 * Law 25 in the reports schema: the failing-contact read model holds addresses in clear; the audit
 * chain holds pseudonyms only: keyed ones (`k_…`) in new entries, unkeyed hashes (`p_…`) in entries
 * written before, which stay as they are so the chain still verifies; both are looked for. An
 * erasure deletes the failing-contact rows and appends one entry to the chain of every funder
 * concerned, naming the person by the keyed pseudonym; no entry is rewritten.
 */
export const reportsPersonData: PersonDataPort<AuditedTx> = {
  async exportOf(tx, email, pseudonym) {
    const failures = await tx.$queryRawUnsafe<Array<Record<string, unknown>>>(
      `SELECT funder_id AS "funderId", email, reason, failures, last_obligation_id AS "lastObligationId",
              first_at AS "firstAt", last_at AS "lastAt", resolved_at AS "resolvedAt"
         FROM contact_failure WHERE lower(email) = $1 ORDER BY first_at`,
      email,
    );
    const audit = await tx.$queryRawUnsafe<Array<Record<string, unknown>>>(
      `SELECT funder_id AS "funderId", seq, type, subject, occurred_at AS "occurredAt", before, after FROM audit_event
        WHERE before::text LIKE $1 OR after::text LIKE $1 OR before::text LIKE $2 OR after::text LIKE $2
        ORDER BY funder_id, seq`,
      `%${pseudonymize(email)}%`,
      `%${pseudonym}%`,
    );
    return [
      {
        kind: 'contact_failure',
        description: 'Address whose reminders failed permanently, shown to the funder',
        rows: failures,
      },
      { kind: 'audit_entry', description: 'Audit chain entry naming the contact by pseudonym', rows: audit },
    ];
  },

  async erase(tx, email, pseudonym, request) {
    const funders = await tx.$queryRawUnsafe<Array<{ funderId: string }>>(
      `SELECT DISTINCT funder_id AS "funderId" FROM contact_failure WHERE lower(email) = $1
       UNION SELECT DISTINCT funder_id FROM audit_event WHERE before::text LIKE $2 OR after::text LIKE $2
       UNION SELECT DISTINCT funder_id FROM audit_event WHERE before::text LIKE $3 OR after::text LIKE $3`,
      email,
      `%${pseudonymize(email)}%`,
      `%${pseudonym}%`,
    );
    const failures = await tx.$executeRawUnsafe(`DELETE FROM contact_failure WHERE lower(email) = $1`, email);
    const at = new Date().toISOString();
    for (const { funderId } of funders) {
      tx.audit.add({
        funderId,
        eventId: `person.erasure:${request.requestId}`,
        type: 'person.erased',
        subject: pseudonym,
        actor: request.actor,
        at,
        reason: null,
        before: null,
        after: { person: pseudonym, failingContactsRemoved: failures },
      });
    }
    return { counts: { contactFailures: failures, auditEntriesAppended: funders.length }, names: [] };
  },
};
