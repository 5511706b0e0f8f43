import type { ContactFailureRow } from './compliance';

/**
 * The keyed pseudonym of an email (`k_…`, HMAC under the person key every service shares): what the
 * audit trail and the auditor's report name a contact by. Keyed, so an erasure leaves nothing to
 * rewrite: without the key no one can tie it back to the address by hashing guesses.
 */
export type Pseudonym = (email: string) => string;

/**
 * Failure texts from SMTP servers and mail libraries often quote the address: what the service keeps
 * of them (audit trail, job errors, logs) shows only its pseudonym.
 */
const EMAIL_IN_TEXT = /[^\s<>"'(),;:]+@[^\s<>"'(),;:]+/g;
export const scrubEmails = (s: string, pseudonym: Pseudonym): string => s.replace(EMAIL_IN_TEXT, (m) => pseudonym(m));

/**
 * The report an auditor reads: a ministry audits compliance, not people, so every contact email
 * (in the failing-contacts list and in the server's text quoting it) becomes a keyed pseudonym
 * (`pseudonym`, an HMAC under the service's key: not reversible by hashing guesses). Funders, who
 * gave these addresses, keep seeing them.
 */
export function reportForAuditor<R extends { failingContacts: ContactFailureRow[] }>(
  report: R,
  pseudonym: Pseudonym,
): R {
  const scrub = (s: string): string => scrubEmails(s, pseudonym);
  return {
    ...report,
    failingContacts: report.failingContacts.map((c) => {
      const ref = pseudonym(c.email);
      return { ...c, email: ref, contactRef: ref, reason: scrub(c.reason) };
    }),
  };
}
