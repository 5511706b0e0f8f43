/**
 * What an SMTP answer means for a digest (pure): which failures are permanent, when a digest is not
 * sent at all, when it is retried and when it is given up. The mailer adapter reports in these
 * shapes; the send-digests use case records the verdict.
 */
import type { DigestKind } from './digest-plan';

/** How a failed SMTP submission is reported (the mailer adapter maps its errors to this shape). */
export interface SmtpFailure {
  responseCode?: number;
  code?: string;
  message: string;
}

/** A recipient the server refused at RCPT TO, with its reply code (4xx deferred, 5xx refused). */
export interface Rejection {
  address: string;
  responseCode?: number;
  message: string;
}

export type SendOutcome =
  { ok: true; response: string; rejected: Rejection[] } | { ok: false; failure: SmtpFailure; rejected: Rejection[] };

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

/** The state a digest and its ledger rows are recorded in after an attempt. */
export type DeliveryVerdict =
  { state: 'sent' } | { state: 'failed_temporary' | 'failed_permanent'; reason: string; addressFailing: boolean };

/** The digest as the verdict sees it: whose it is, and how many times it was claimed for sending. */
export interface DeliveryAttempt {
  kind: DigestKind;
  email: string;
  attempts: number;
}

export interface RetryPolicy {
  retryBaseMs: number;
  retryMaxMs: number;
  maxAttempts: number;
}

/**
 * Before any SMTP attempt: a digest with no ledger rows left is given up, and so is a contact's
 * digest to an address a server already refused for good (5xx) — it is not retried; the funder's
 * report learns of it from reminder.failed. Null: send it.
 */
export function verdictBeforeSend(d: DeliveryAttempt, stages: number, addressFailing: boolean): DeliveryVerdict | null {
  if (stages === 0) return { state: 'failed_permanent', reason: 'digest has no reminder rows', addressFailing: false };
  if (d.kind === 'contact' && addressFailing) {
    return {
      state: 'failed_permanent',
      reason: 'address previously rejected permanently (5xx); not retried',
      addressFailing: false,
    };
  }
  return null;
}

/**
 * After the SMTP exchange. The contact's own RCPT reply decides (a Cc accepted does not make the
 * contact's 550 a success; a copied funder address refused while the contact got the message is
 * still sent). A 5xx on the contact's address marks the address failing; a temporary failure is
 * retried until `maxAttempts`, then given up.
 */
export function judgeDelivery(d: DeliveryAttempt, outcome: SendOutcome, maxAttempts: number): DeliveryVerdict {
  const contactRefused = d.kind === 'contact' ? outcome.rejected.find((r) => r.address === d.email) : undefined;
  let failure: SmtpFailure;
  if (contactRefused) failure = { responseCode: contactRefused.responseCode ?? 550, message: contactRefused.message };
  else if (outcome.ok) return { state: 'sent' };
  else failure = outcome.failure;
  const reason = `${failure.responseCode ?? failure.code ?? 'error'}: ${failure.message}`.slice(0, 500);
  if (classifyFailure(failure) === 'permanent')
    return { state: 'failed_permanent', reason, addressFailing: d.kind === 'contact' };
  if (d.attempts >= maxAttempts)
    return {
      state: 'failed_permanent',
      reason: `gave up after ${d.attempts} attempts; last: ${reason}`,
      addressFailing: false,
    };
  return { state: 'failed_temporary', reason, addressFailing: false };
}

/** When the digest may be claimed again: after the backoff for a temporary failure, else at once (it is final). */
export function nextAttemptAt(
  verdict: DeliveryVerdict,
  attempts: number,
  now: Date,
  policy: Pick<RetryPolicy, 'retryBaseMs' | 'retryMaxMs'>,
): Date {
  return verdict.state === 'failed_temporary'
    ? new Date(now.getTime() + backoffMs(attempts, policy.retryBaseMs, policy.retryMaxMs))
    : now;
}
