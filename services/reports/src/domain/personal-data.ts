import { pseudonymize } from '@pc/service-kit';

/**
 * Failure texts from SMTP servers and mail libraries often quote the address: what the service keeps
 * of them (audit trail, job errors, logs) shows only its pseudonym.
 */
export const scrubEmails = (s: string): string => s.replace(/[^\s<>"'(),;:]+@[^\s<>"'(),;:]+/g, (m) => pseudonymize(m));
