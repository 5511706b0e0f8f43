import { pseudonymize } from '@pc/service-kit';
import type { ContactFailureRow } from './compliance';

/**
 * Failure texts from SMTP servers and mail libraries often quote the address: what the service keeps
 * of them (audit trail, job errors, logs) shows only its pseudonym.
 */
const EMAIL_IN_TEXT = /[^\s<>"'(),;:]+@[^\s<>"'(),;:]+/g;
export const scrubEmails = (s: string): string => s.replace(EMAIL_IN_TEXT, (m) => pseudonymize(m));

/**
 * The report an auditor reads: a ministry audits compliance, not people, so every contact email
 * (in the failing-contacts list and in the server's text quoting it) becomes a keyed pseudonym
 * (`pseudonym`, an HMAC under the service's key: not reversible by hashing guesses). Funders, who
 * gave these addresses, keep seeing them.
 */
export function reportForAuditor<R extends { failingContacts: ContactFailureRow[] }>(
  report: R,
  pseudonym: (email: string) => string,
): R {
  const scrub = (s: string): string => s.replace(EMAIL_IN_TEXT, (m) => pseudonym(m));
  return {
    ...report,
    failingContacts: report.failingContacts.map((c) => {
      const ref = pseudonym(c.email);
      return { ...c, email: ref, contactRef: ref, reason: scrub(c.reason) };
    }),
  };
}
