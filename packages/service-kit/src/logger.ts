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

/**
 * An email address anywhere in a line (a field the paths above do not name, an SMTP server's
 * refusal `550 <ana@example.org>: …`, an error message): the address itself never reaches the log.
 * Matched on the written JSON, where an address has no quote, space, slash or backslash in it. A
 * Message-ID (`<reminder.<40 hex>@host>`: a hash, no one's address) is kept, it traces a resend.
 */
const EMAIL_IN_TEXT = /([A-Za-z0-9.!#$%&'*+=?^_`{|}~-]+)(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;

export function scrubEmails(line: string): string {
  return line.replace(EMAIL_IN_TEXT, (address, local: string) => (/[0-9a-f]{32,}$/i.test(local) ? address : '[email]'));
}

/** `destination` defaults to stdout; the logs check gives a stream that keeps every line. */
export function createLogger(service: string, level = 'info', destination?: pino.DestinationStream): Logger {
  const opts: pino.LoggerOptions = {
    name: service,
    level,
    redact: { paths: redactPaths, censor: '[redacted]' },
    base: { service },
    hooks: { streamWrite: scrubEmails },
  };
  return destination ? pino(opts, destination) : pino(opts);
}

/** A stable, non-reversible handle for an email in logs (same address → same handle). */
export function pseudonymize(value: string): string {
  return 'p_' + crypto.createHash('sha256').update(value.trim().toLowerCase()).digest('hex').slice(0, 12);
}
