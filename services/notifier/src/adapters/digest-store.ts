import type pg from 'pg';
import { outboxColumns, type NewEvent, type SqlTx } from '@pc/bus';
import type { DigestKind, PlannedDigest } from '../domain/digest-plan';
import type { DeliveryVerdict } from '../domain/delivery-verdict';

/*
 * Digests (`digest`): one email each, with its claim, lease, attempts and Message-ID. Plain SQL:
 * claims are `FOR UPDATE SKIP LOCKED` with a lease, and an outcome is recorded in one statement.
 * The delivery statements run on the pool, each its own transaction.
 */

export async function insertDigests(tx: SqlTx, runId: string, now: Date, digests: PlannedDigest[]): Promise<void> {
  await tx.$executeRawUnsafe(
    `INSERT INTO digest (id, run_id, kind, parent_id, email, funder_id, to_addrs, cc_addrs, locale, message_id, state, attempts, next_attempt_at, created_at)
     SELECT u.id, $1::uuid, u.kind, u.parent, u.email, u.funder,
            ARRAY(SELECT jsonb_array_elements_text(u.to_addrs::jsonb)), ARRAY(SELECT jsonb_array_elements_text(u.cc_addrs::jsonb)),
            u.locale, u.message_id, 'pending', 0, $2::timestamptz, $2::timestamptz
     FROM unnest($3::uuid[], $4::text[], $5::uuid[], $6::text[], $7::uuid[], $8::text[], $9::text[], $10::text[], $11::text[])
          AS u(id, kind, parent, email, funder, to_addrs, cc_addrs, locale, message_id)
     ON CONFLICT (id) DO NOTHING`,
    runId,
    now,
    digests.map((d) => d.id),
    digests.map((d) => d.kind),
    digests.map((d) => d.parent),
    digests.map((d) => d.email),
    digests.map((d) => d.funder),
    digests.map((d) => JSON.stringify(d.to)),
    digests.map((d) => JSON.stringify(d.cc)),
    digests.map((d) => d.locale),
    digests.map((d) => d.messageId),
  );
}

export interface DigestRow {
  id: string;
  run_id: string;
  kind: DigestKind;
  parent_id: string | null;
  email: string;
  funder_id: string | null;
  to_addrs: string[];
  cc_addrs: string[];
  locale: string;
  message_id: string;
  attempts: number;
  submitted_at: Date;
}

const CLAIMABLE = `((state IN ('pending', 'failed_temporary', 'skipped_window') AND next_attempt_at <= $1::timestamptz)
                   OR (state = 'sending' AND lease_until < $1::timestamptz))`;

/** Outside the send window: claimable digests (and their ledger rows) wait for `opensAt`. Returns the ledger rows moved. */
export async function deferToWindow(pool: pg.Pool, now: Date, opensAt: Date): Promise<number> {
  const { rowCount } = await pool.query(
    `WITH c AS (SELECT id FROM digest WHERE ${CLAIMABLE} AND NOT (state = 'skipped_window' AND next_attempt_at = $2::timestamptz) FOR UPDATE SKIP LOCKED),
          u AS (UPDATE digest d SET state = 'skipped_window', next_attempt_at = $2::timestamptz, lease_until = NULL FROM c WHERE d.id = c.id RETURNING d.id, d.kind)
     UPDATE reminder_delivery r SET state = 'skipped_window', updated_at = $1::timestamptz FROM u WHERE r.digest_id = u.id AND u.kind = 'contact'`,
    [now, opensAt],
  );
  return rowCount ?? 0;
}

/**
 * Claims up to `batch` digests for sending (replicas share the work): state 'sending', one more
 * attempt, a lease until `leaseUntil`, and the Date of the first claim kept for every resend.
 */
export async function claimDigests(pool: pg.Pool, now: Date, leaseUntil: Date, batch: number): Promise<DigestRow[]> {
  const { rows } = await pool.query<DigestRow>(
    `WITH c AS (SELECT id FROM digest WHERE ${CLAIMABLE} ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED),
          u AS (UPDATE digest d SET state = 'sending', attempts = d.attempts + 1, lease_until = $2::timestamptz,
                       submitted_at = COALESCE(d.submitted_at, $1::timestamptz)
                FROM c WHERE d.id = c.id
                RETURNING d.id, d.run_id, d.kind, d.parent_id, d.email, d.funder_id, d.to_addrs, d.cc_addrs, d.locale, d.message_id, d.attempts, d.submitted_at),
          l AS (UPDATE reminder_delivery r SET state = 'sending', updated_at = $1::timestamptz FROM u WHERE r.digest_id = u.id AND u.kind = 'contact')
     SELECT * FROM u`,
    [now, leaseUntil, batch],
  );
  return rows;
}

/**
 * Digest, ledger rows, failing address and events in ONE statement (atomic, one round trip: the
 * shorter the gap between SMTP 250 and this commit, the fewer resends a crash can cause). It only
 * applies while this worker still owns the claim (state 'sending', same attempt number); returns
 * false when another worker re-claimed the digest. The outbox rows are those `enqueue()` would
 * write, validated against the catalog the same way (`outboxColumns`).
 */
export async function recordOutcome(
  pool: pg.Pool,
  d: DigestRow,
  verdict: DeliveryVerdict,
  at: { now: Date; next: Date },
  newEvents: Array<NewEvent & { id: string }>,
): Promise<boolean> {
  const error = verdict.state === 'sent' ? null : verdict.reason;
  const events = outboxColumns(newEvents);
  const {
    rows: [res],
  } = await pool.query<{ owned: number }>(
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
    [
      d.id,
      verdict.state,
      error,
      at.next,
      verdict.state === 'sent' ? at.now : null,
      d.attempts,
      at.now,
      verdict.state !== 'sent' && verdict.addressFailing,
      events.ids,
      events.types,
      events.subjects,
      events.data,
    ],
  );
  return Boolean(res && res.owned > 0);
}
