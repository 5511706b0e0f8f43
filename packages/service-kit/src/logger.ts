import crypto from 'node:crypto';
import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Paths that may hold personal data (Law 25) or secrets: never written in clear.
 * Log `pseudonymize(email)` when a person must be traceable in logs.
 */
const redactPaths = [
  'req.headers.authorization',
  'req.headers["x-pc-principal"]',
  'req.headers.cookie',
  'email',
  '*.email',
  'contacts',
  '*.contacts',
  'contactName',
  '*.contactName',
  'token',
  '*.token',
];

export function createLogger(service: string, level = 'info'): Logger {
  return pino({ name: service, level, redact: { paths: redactPaths, censor: '[redacted]' }, base: { service } });
}

/** A stable, non-reversible handle for an email in logs (same address → same handle). */
export function pseudonymize(value: string): string {
  return 'p_' + crypto.createHash('sha256').update(value.trim().toLowerCase()).digest('hex').slice(0, 12);
}
