import type pg from 'pg';
import client from 'prom-client';
import { outboxColumns, singleFlight, type NewEvent } from '@pc/bus';
import { eventId } from '@pc/contracts';
import { metrics, pseudonymize, type Logger } from '@pc/service-kit';
import type { Mailer, SendOutcome } from '../adapters/mailer';
import { backoffMs, classifyFailure, type SmtpFailure } from '../domain/delivery-failure';
import { asLocale, type ReminderStage } from '../domain/reminder';
import { windowState, type SendWindow } from '../domain/send-window';
import { renderDigest } from '../templates/render';
import type { DirectoryNames } from '../templates/view';

const emailsTotal = new client.Counter({
  name: 'reminder_emails_total', help: 'Reminder emails by outcome (sent, temporary, permanent, resent)',
  labelNames: ['kind', 'result'], registers: [metrics.registry],
});

/** Test seams: `afterSend` runs after SMTP accepted a message and before the ledger records it. */
export interface DeliveryHooks {
  afterSend?: (digest: { id: string; messageId: string; attempts: number; to: string[] }) => Promise<void> | void;
}

/** Thrown by a test hook to abandon a digest exactly as a crash would (sent, not recorded). */
export class SimulatedCrash extends Error {}

export interface DeliveryOptions {
  from: string;
  publicBaseUrl: string;
  window: SendWindow | null;
  leaseMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  maxAttempts: number;
  sweepMs: number;
  batch: number;
  concurrency: number;
}

interface DigestRow {
  id: string; run_id: string; kind: 'contact' | 'funder_copy'; parent_id: string | null; email: string; funder_id: string | null;
  to_addrs: string[]; cc_addrs: string[]; locale: string; message_id: string; attempts: number; submitted_at: Date;
}
interface LedgerRow { id: string; digest_id: string; reminder_id: string; run_id: string; obligation_id: string; funder_id: string; stage_key: string; email: string; contact_name: string; reminder: ReminderStage }

type Outcome =
  | { state: 'sent' }
  | { state: 'failed_temporary' | 'failed_permanent'; reason: string; addressFailing: boolean };

const CLAIMABLE = `((state IN ('pending', 'failed_temporary', 'skipped_window') AND next_attempt_at <= $1::timestamptz)
                   OR (state = 'sending' AND lease_until < $1::timestamptz))`;

/**
 * Sends the digests: claim (FOR UPDATE SKIP LOCKED, state 'sending' with a lease) → SMTP with the
 * digest's deterministic Message-ID → record the outcome, the ledger rows and the reminder.sent /
 * reminder.failed events in ONE transaction. A process that dies before recording leaves the digest
 * 'sending'; once the lease expires any replica resends it with the same Message-ID. Runs on a timer
 * (the sweeper: retries with backoff, send-window openings, expired leases) and on kick().
 */
export class DeliveryWorker {
  private readonly loop = singleFlight(() => this.pump(),
    (err) => this.logger.warn({ err: (err as Error).message }, 'delivery pass failed; will retry'));

  constructor(private readonly pool: pg.Pool, private readonly mailer: Mailer, private readonly opts: DeliveryOptions,
    private readonly clock: () => Date, private readonly logger: Logger, private readonly kickRelay: () => void,
    private readonly hooks: DeliveryHooks = {},
    /** sweeper duty run before each pass (builds digests of runs completed in a race) */
    private readonly beforePass: () => Promise<void> = async () => undefined) {}

  start(): void { this.loop.start(this.opts.sweepMs); }

  kick(): void { this.loop.kick(); }

  /** Waits for the pass in progress (in-flight messages are recorded), then stops the sweeper. */
  async stop(): Promise<void> { await this.loop.stop(); }

  /** Sends everything claimable now; resolves with the number of digests handled. */
  async pump(): Promise<number> {
    let total = 0;
    await this.beforePass();
    for (;;) {
      if (this.loop.stopped) return total;
      const now = this.clock();
      const w = windowState(now, this.opts.window);
      if (!w.open) { await this.deferToWindow(now, w.opensAt); return total; }
      const claimed = await this.claim(now);
      if (claimed.length === 0) return total;
      await this.deliver(claimed);
      total += claimed.length;
    }
  }

  private async deferToWindow(now: Date, opensAt: Date): Promise<void> {
    const { rowCount } = await this.pool.query(
      `WITH c AS (SELECT id FROM digest WHERE ${CLAIMABLE} AND NOT (state = 'skipped_window' AND next_attempt_at = $2::timestamptz) FOR UPDATE SKIP LOCKED),
            u AS (UPDATE digest d SET state = 'skipped_window', next_attempt_at = $2::timestamptz, lease_until = NULL FROM c WHERE d.id = c.id RETURNING d.id, d.kind)
       UPDATE reminder_delivery r SET state = 'skipped_window', updated_at = $1::timestamptz FROM u WHERE r.digest_id = u.id AND u.kind = 'contact'`,
      [now, opensAt]);
    if (rowCount) this.logger.info({ rows: rowCount, opensAt }, 'outside the send window; reminders wait for it');
  }

  private async claim(now: Date): Promise<DigestRow[]> {
    const { rows } = await this.pool.query<DigestRow>(
      `WITH c AS (SELECT id FROM digest WHERE ${CLAIMABLE} ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED),
            u AS (UPDATE digest d SET state = 'sending', attempts = d.attempts + 1, lease_until = $2::timestamptz,
                         submitted_at = COALESCE(d.submitted_at, $1::timestamptz)
                  FROM c WHERE d.id = c.id
                  RETURNING d.id, d.run_id, d.kind, d.parent_id, d.email, d.funder_id, d.to_addrs, d.cc_addrs, d.locale, d.message_id, d.attempts, d.submitted_at),
            l AS (UPDATE reminder_delivery r SET state = 'sending', updated_at = $1::timestamptz FROM u WHERE r.digest_id = u.id AND u.kind = 'contact')
       SELECT * FROM u`,
      [now, new Date(now.getTime() + this.opts.leaseMs), this.opts.batch]);
    return rows;
  }

  private async deliver(digests: DigestRow[]): Promise<void> {
    const contentIds = [...new Set(digests.map((d) => d.parent_id ?? d.id))];
    const ledger = (await this.pool.query<LedgerRow>(
      `SELECT id, digest_id, reminder_id, run_id, obligation_id, funder_id, stage_key, email, contact_name, reminder
       FROM reminder_delivery WHERE digest_id = ANY($1::uuid[]) ORDER BY id`, [contentIds])).rows;
    const byDigest = new Map<string, LedgerRow[]>();
    for (const l of ledger) byDigest.set(l.digest_id, [...(byDigest.get(l.digest_id) ?? []), l]);
    const directory = await this.directory(ledger);
    const failing = new Set((await this.pool.query<{ email: string }>(
      'SELECT email FROM contact WHERE failing_at IS NOT NULL AND email = ANY($1::text[])',
      [[...new Set(digests.filter((d) => d.kind === 'contact').map((d) => d.email))]])).rows.map((r) => r.email));

    let next = 0;
    const work = async (): Promise<void> => {
      while (next < digests.length) {
        const d = digests[next++]!;
        try {
          await this.deliverOne(d, byDigest.get(d.parent_id ?? d.id) ?? [], directory, failing);
        } catch (err) {
          if (err instanceof SimulatedCrash) continue;
          // Left 'sending': the lease expires and the sweeper tries again (same Message-ID).
          this.logger.error({ err, digest: d.id }, 'digest delivery crashed; lease will expire and it will be retried');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.opts.concurrency, digests.length) }, work));
    // Once per batch, not per digest: the relay also polls, and a pass per email would cost more than the email.
    this.kickRelay();
  }

  private async deliverOne(d: DigestRow, allRows: LedgerRow[], directory: DirectoryNames, failing: Set<string>): Promise<void> {
    const rows = d.kind === 'funder_copy' ? allRows.filter((r) => r.funder_id === d.funder_id) : allRows;
    if (rows.length === 0) { await this.record(d, [], { state: 'failed_permanent', reason: 'digest has no reminder rows', addressFailing: false }); return; }
    if (d.kind === 'contact' && failing.has(d.email)) {
      await this.record(d, rows, { state: 'failed_permanent', reason: 'address previously rejected permanently (5xx); not retried', addressFailing: false });
      return;
    }
    const locale = asLocale(d.locale) ?? 'fr';
    const mail = renderDigest({
      locale, contactName: rows[0]!.contact_name, stages: rows.map((r) => r.reminder), directory, publicBaseUrl: this.opts.publicBaseUrl,
      copyOf: d.kind === 'funder_copy' ? { granteeName: rows[0]!.reminder.grantee.name } : null,
      copiedToFunder: d.kind === 'contact' && d.cc_addrs.length > 0,
    });
    if (d.attempts > 1) emailsTotal.inc({ kind: d.kind, result: 'resent' });
    const outcome: SendOutcome = await this.mailer.send({
      messageId: d.message_id, date: d.submitted_at, from: this.opts.from, to: d.to_addrs, cc: d.cc_addrs,
      subject: mail.subject, text: mail.text, html: mail.html, language: mail.lang,
    });
    if (outcome.ok) await this.hooks.afterSend?.({ id: d.id, messageId: d.message_id, attempts: d.attempts, to: d.to_addrs });
    await this.record(d, rows, this.judge(d, outcome));
  }

  private judge(d: DigestRow, outcome: SendOutcome): Outcome {
    const contactRefused = d.kind === 'contact' ? outcome.rejected.find((r) => r.address === d.email) : undefined;
    if (outcome.ok && !contactRefused) {
      // A copied funder address may have been refused while the contact got the message: still sent.
      if (outcome.rejected.length) this.logger.warn({ digest: d.id, rejected: outcome.rejected.map((r) => pseudonymize(r.address)) }, 'some copied recipients were refused');
      return { state: 'sent' };
    }
    // The contact's own RCPT reply decides (a Cc accepted does not make the contact's 550 a success).
    const failure = contactRefused ? { responseCode: contactRefused.responseCode ?? 550, message: contactRefused.message } : (outcome as { failure: SmtpFailure }).failure;
    const reason = `${failure.responseCode ?? failure.code ?? 'error'}: ${failure.message}`.slice(0, 500);
    if (classifyFailure(failure) === 'permanent') return { state: 'failed_permanent', reason, addressFailing: d.kind === 'contact' };
    if (d.attempts >= this.opts.maxAttempts) return { state: 'failed_permanent', reason: `gave up after ${d.attempts} attempts; last: ${reason}`, addressFailing: false };
    return { state: 'failed_temporary', reason, addressFailing: false };
  }

  /**
   * Digest, ledger rows, failing address and events in ONE statement (atomic, one round trip: the
   * shorter the gap between SMTP 250 and this commit, the fewer resends a crash can cause). It only
   * applies while this worker still owns the claim (state 'sending', same attempt number). The outbox
   * rows are those `enqueue()` would write, validated against the catalog the same way (`outboxColumns`).
   */
  private async record(d: DigestRow, rows: LedgerRow[], outcome: Outcome): Promise<void> {
    const now = this.clock();
    const next = outcome.state === 'failed_temporary' ? new Date(now.getTime() + backoffMs(d.attempts, this.opts.retryBaseMs, this.opts.retryMaxMs)) : now;
    const error = outcome.state === 'sent' ? null : outcome.reason;
    const events = outboxColumns(d.kind === 'contact' ? this.events(d, rows, outcome, now) : []);
    const { rows: [res] } = await this.pool.query<{ owned: number }>(
      `WITH d AS (
         UPDATE digest SET state = $2, lease_until = NULL, last_error = $3, next_attempt_at = $4, sent_at = $5
         WHERE id = $1 AND state = 'sending' AND attempts = $6 RETURNING id, kind, email),
       r AS (
         UPDATE reminder_delivery SET state = $2, last_error = $3, sent_at = $5, updated_at = $7
         WHERE digest_id IN (SELECT id FROM d WHERE kind = 'contact') RETURNING id),
       c AS (
         INSERT INTO contact (email, failing_at, failing_reason, updated_at)
         SELECT email, $7, $3, $7 FROM d WHERE $8::boolean AND kind = 'contact'
         ON CONFLICT (email) DO UPDATE SET failing_at = COALESCE(contact.failing_at, EXCLUDED.failing_at),
           failing_reason = EXCLUDED.failing_reason, updated_at = EXCLUDED.updated_at
         RETURNING 1),
       o AS (
         INSERT INTO outbox (id, type, subject, data)
         SELECT u.id, u.type, u.subject, u.data FROM unnest($9::uuid[], $10::text[], $11::text[], $12::jsonb[]) AS u(id, type, subject, data)
         WHERE EXISTS (SELECT 1 FROM d)
         ON CONFLICT (id) DO NOTHING RETURNING 1)
       SELECT (SELECT count(*) FROM d)::int AS owned`,
      [d.id, outcome.state, error, next, outcome.state === 'sent' ? now : null, d.attempts, now,
        outcome.state !== 'sent' && outcome.addressFailing,
        events.ids, events.types, events.subjects, events.data]);
    if (!res || res.owned === 0) {
      this.logger.warn({ digest: d.id }, 'digest was re-claimed by another worker before this outcome was recorded');
      return;
    }
    emailsTotal.inc({ kind: d.kind, result: outcome.state });
    const log = { digest: d.id, kind: d.kind, contactRef: pseudonymize(d.email), stages: rows.length, attempts: d.attempts, messageId: d.message_id };
    if (outcome.state === 'sent') this.logger.debug(log, 'reminder digest sent');
    else this.logger.warn({ ...log, state: outcome.state, reason: outcome.reason }, 'reminder digest not delivered');
  }

  private events(d: DigestRow, rows: LedgerRow[], outcome: Outcome, now: Date): Array<NewEvent & { id: string }> {
    const at = now.toISOString();
    return rows.map((r): NewEvent & { id: string } => {
      const base = { reminderId: r.reminder_id, runId: r.run_id, obligationId: r.obligation_id, funderId: r.funder_id, stageKey: r.stage_key, contactRef: pseudonymize(r.email) };
      if (outcome.state === 'sent') {
        return { type: 'reminder.sent.v1', id: eventId('reminder.sent', r.id), subject: r.obligation_id, data: { ...base, messageId: d.message_id, sentAt: at } };
      }
      const permanent = outcome.state === 'failed_permanent';
      // Temporary failures are told once per row (deterministic id); the final verdict once more.
      return {
        type: 'reminder.failed.v1', id: eventId('reminder.failed', r.id, permanent ? 'permanent' : 'temporary'), subject: r.obligation_id,
        data: { ...base, email: r.email, permanent, reason: outcome.reason, at },
      };
    });
  }

  private async directory(rows: LedgerRow[]): Promise<DirectoryNames> {
    const funderIds = [...new Set(rows.map((r) => r.funder_id))];
    const programmeIds = [...new Set(rows.map((r) => r.reminder.agreement.programmeId))];
    const [f, p] = await Promise.all([
      this.pool.query<{ id: string; name: string }>('SELECT id, name FROM funder WHERE id = ANY($1::uuid[])', [funderIds]),
      this.pool.query<{ id: string; name: string; code: string }>('SELECT id, name, code FROM programme WHERE id = ANY($1::uuid[])', [programmeIds]),
    ]);
    return { funders: new Map(f.rows.map((r) => [r.id, r])), programmes: new Map(p.rows.map((r) => [r.id, r])) };
  }
}
