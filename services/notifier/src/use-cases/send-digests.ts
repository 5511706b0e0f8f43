import type pg from 'pg';
import type { NewEvent } from '@pc/bus';
import { eventId } from '@pc/contracts';
import { pseudonymize, signContactLink, type Logger } from '@pc/service-kit';
import {
  judgeDelivery,
  nextAttemptAt,
  verdictBeforeSend,
  type DeliveryVerdict,
  type RetryPolicy,
} from '../domain/delivery-verdict';
import { asLocale } from '../domain/reminder';
import { windowState, type SendWindow } from '../domain/send-window';
import type { Mailer } from '../adapters/mailer';
import { emailsTotal } from '../adapters/metrics';
import { failingAddresses } from '../adapters/contact-store';
import { ledgerOf, type LedgerRow } from '../adapters/delivery-store';
import { claimDigests, deferToWindow, recordOutcome, type DigestRow } from '../adapters/digest-store';
import { directoryNames } from '../adapters/directory-store';
import { renderDigest } from '../templates/render';
import type { DirectoryNames } from '../templates/view';

/** Test seams: `afterSend` runs after SMTP accepted a message and before the ledger records it. */
export interface DeliveryHooks {
  afterSend?: (digest: { id: string; messageId: string; attempts: number; to: string[] }) => Promise<void> | void;
}

/** Thrown by a test hook to abandon a digest exactly as a crash would (sent, not recorded). */
export class SimulatedCrash extends Error {}

export interface SendDigestsOptions extends RetryPolicy {
  from: string;
  publicBaseUrl: string;
  /** signs the contact's link in each reminder (CONTACT_LINK_SECRET) */
  contactLinkSecret: string;
  window: SendWindow | null;
  leaseMs: number;
  batch: number;
  /** sends in flight at once */
  concurrency: number;
}

export interface SendDigestsDeps {
  pool: pg.Pool;
  mailer: Mailer;
  opts: SendDigestsOptions;
  clock: () => Date;
  logger: Logger;
  kickRelay: () => void;
  hooks?: DeliveryHooks;
  /** the loop is stopping: finish the batch in hand and claim no more */
  stopped: () => boolean;
}

/**
 * Sends everything claimable now; resolves with the number of digests handled. Claim (FOR UPDATE
 * SKIP LOCKED, state 'sending' with a lease) → SMTP with the digest's deterministic Message-ID →
 * record the outcome, the ledger rows and the reminder.sent / reminder.failed events in ONE
 * statement. A process that dies before recording leaves the digest 'sending'; once the lease
 * expires any replica resends it with the same Message-ID. Outside the send window the claimable
 * digests wait for its opening instead.
 */
export async function sendDigests(deps: SendDigestsDeps): Promise<number> {
  let total = 0;
  for (;;) {
    if (deps.stopped()) return total;
    const now = deps.clock();
    const w = windowState(now, deps.opts.window);
    if (!w.open) {
      const rows = await deferToWindow(deps.pool, now, w.opensAt);
      if (rows) deps.logger.info({ rows, opensAt: w.opensAt }, 'outside the send window; reminders wait for it');
      return total;
    }
    const claimed = await claimDigests(deps.pool, now, new Date(now.getTime() + deps.opts.leaseMs), deps.opts.batch);
    if (claimed.length === 0) return total;
    await deliver(deps, claimed);
    total += claimed.length;
  }
}

async function deliver(deps: SendDigestsDeps, digests: DigestRow[]): Promise<void> {
  const ledger = await ledgerOf(deps.pool, [...new Set(digests.map((d) => d.parent_id ?? d.id))]);
  const byDigest = new Map<string, LedgerRow[]>();
  for (const l of ledger) byDigest.set(l.digest_id, [...(byDigest.get(l.digest_id) ?? []), l]);
  const directory = await directoryNames(
    deps.pool,
    [...new Set(ledger.map((r) => r.funder_id))],
    [...new Set(ledger.map((r) => r.reminder.agreement.programmeId))],
  );
  const failing = await failingAddresses(deps.pool, [
    ...new Set(digests.filter((d) => d.kind === 'contact').map((d) => d.email)),
  ]);

  let next = 0;
  const work = async (): Promise<void> => {
    while (next < digests.length) {
      const d = digests[next++]!;
      try {
        await deliverOne(deps, d, byDigest.get(d.parent_id ?? d.id) ?? [], directory, failing);
      } catch (err) {
        if (err instanceof SimulatedCrash) continue;
        // Left 'sending': the lease expires and the sweeper tries again (same Message-ID).
        deps.logger.error({ err, digest: d.id }, 'digest delivery crashed; lease will expire and it will be retried');
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(deps.opts.concurrency, digests.length) }, work));
  // Once per batch, not per digest: the relay also polls, and a pass per email would cost more than the email.
  deps.kickRelay();
}

async function deliverOne(
  deps: SendDigestsDeps,
  d: DigestRow,
  allRows: LedgerRow[],
  directory: DirectoryNames,
  failing: Set<string>,
): Promise<void> {
  // A funder's copy speaks of that funder's part of the contact's digest only.
  const rows = d.kind === 'funder_copy' ? allRows.filter((r) => r.funder_id === d.funder_id) : allRows;
  const refused = verdictBeforeSend(d, rows.length, failing.has(d.email));
  if (refused) {
    await record(deps, d, rows, refused);
    return;
  }
  const mail = renderDigest({
    locale: asLocale(d.locale) ?? 'fr',
    contactName: rows[0]!.contact_name,
    stages: rows.map((r) => r.reminder),
    directory,
    publicBaseUrl: deps.opts.publicBaseUrl,
    contactToken: d.kind === 'contact' ? signContactLink(d.email, deps.opts.contactLinkSecret) : null,
    copyOf: d.kind === 'funder_copy' ? { granteeName: rows[0]!.reminder.grantee.name } : null,
    copiedToFunder: d.kind === 'contact' && d.cc_addrs.length > 0,
  });
  if (d.attempts > 1) emailsTotal.inc({ kind: d.kind, result: 'resent' });
  const outcome = await deps.mailer.send({
    messageId: d.message_id,
    date: d.submitted_at,
    from: deps.opts.from,
    to: d.to_addrs,
    cc: d.cc_addrs,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    language: mail.lang,
  });
  if (outcome.ok)
    await deps.hooks?.afterSend?.({ id: d.id, messageId: d.message_id, attempts: d.attempts, to: d.to_addrs });
  const verdict = judgeDelivery(d, outcome, deps.opts.maxAttempts);
  if (verdict.state === 'sent' && outcome.rejected.length) {
    deps.logger.warn(
      { digest: d.id, rejected: outcome.rejected.map((r) => pseudonymize(r.address)) },
      'some copied recipients were refused',
    );
  }
  await record(deps, d, rows, verdict);
}

async function record(deps: SendDigestsDeps, d: DigestRow, rows: LedgerRow[], verdict: DeliveryVerdict): Promise<void> {
  const now = deps.clock();
  const events = d.kind === 'contact' ? outcomeEvents(d, rows, verdict, now) : [];
  const owned = await recordOutcome(
    deps.pool,
    d,
    verdict,
    { now, next: nextAttemptAt(verdict, d.attempts, now, deps.opts) },
    events,
  );
  if (!owned) {
    deps.logger.warn({ digest: d.id }, 'digest was re-claimed by another worker before this outcome was recorded');
    return;
  }
  emailsTotal.inc({ kind: d.kind, result: verdict.state });
  const log = {
    digest: d.id,
    kind: d.kind,
    contactRef: pseudonymize(d.email),
    stages: rows.length,
    attempts: d.attempts,
    messageId: d.message_id,
  };
  if (verdict.state === 'sent') deps.logger.debug(log, 'reminder digest sent');
  else deps.logger.warn({ ...log, state: verdict.state, reason: verdict.reason }, 'reminder digest not delivered');
}

/** What the bus hears of a contact's digest: one event per ledger row (funder copies tell nothing). */
function outcomeEvents(
  d: DigestRow,
  rows: LedgerRow[],
  verdict: DeliveryVerdict,
  now: Date,
): Array<NewEvent & { id: string }> {
  const at = now.toISOString();
  return rows.map((r): NewEvent & { id: string } => {
    const base = {
      reminderId: r.reminder_id,
      runId: r.run_id,
      obligationId: r.obligation_id,
      funderId: r.funder_id,
      stageKey: r.stage_key,
      contactRef: pseudonymize(r.email),
    };
    if (verdict.state === 'sent') {
      return {
        type: 'reminder.sent.v1',
        id: eventId('reminder.sent', r.id),
        subject: r.obligation_id,
        data: { ...base, messageId: d.message_id, sentAt: at },
      };
    }
    const permanent = verdict.state === 'failed_permanent';
    // Temporary failures are told once per row (deterministic id); the final verdict once more.
    return {
      type: 'reminder.failed.v1',
      id: eventId('reminder.failed', r.id, permanent ? 'permanent' : 'temporary'),
      subject: r.obligation_id,
      data: { ...base, email: r.email, permanent, reason: verdict.reason, at },
    };
  });
}
