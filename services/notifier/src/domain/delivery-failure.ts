/** How a failed SMTP submission is treated (pure; the mailer adapter maps its errors to this shape). */
export interface SmtpFailure { responseCode?: number; code?: string; message: string }

export type FailureKind = 'temporary' | 'permanent';

/**
 * 5xx is permanent (the server refused for good: unknown mailbox, policy); 4xx, connection refused,
 * timeouts and anything without a reply code are temporary — better to retry than to drop a reminder.
 */
export function classifyFailure(f: SmtpFailure): FailureKind {
  if (typeof f.responseCode === 'number' && f.responseCode >= 500 && f.responseCode < 600) return 'permanent';
  return 'temporary';
}

/** Exponential backoff after the n-th failed attempt (1-based), capped. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}
