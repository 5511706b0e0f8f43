import type pg from 'pg';
import type { SqlTx } from '@pc/bus';
import type { PendingStage } from '../domain/digest-plan';
import type { ReminderStage } from '../domain/reminder';

/*
 * The send ledger (`reminder_delivery`): one row per (reminder, address), keyed so that a stage is
 * queued once. Plain SQL: rows go in and out by the set (unnest, ANY, FOR UPDATE).
 */

/** One ledger row: a stage for one address. */
export interface LedgerEntry {
  id: string;
  stage: ReminderStage;
  email: string;
  name: string;
  locale: string;
}

/**
 * Ledger rows, one per (stage, address): at most one entry per (reminderId, email) in a call.
 * ON CONFLICT: a later run announcing the same stage finds the row; only a row not yet in a digest
 * (its run never closed) moves to the new run, so a stage already in a digest is never re-queued.
 * Rows are written in key order, the order concurrent writers lock them in.
 */
export async function queueStages(tx: SqlTx, entries: LedgerEntry[]): Promise<void> {
  if (entries.length === 0) return;
  // One JSON document rather than twelve arrays: the stage payload is most of the bytes, and a JSON
  // text is cheaper to build and to parse than the same text escaped into a jsonb[] array literal.
  await tx.$executeRawUnsafe(
    `INSERT INTO reminder_delivery (id, reminder_id, email, run_id, contact_name, contact_locale, obligation_id, agreement_id,
                                    funder_id, stage_key, escalate, reminder, state, created_at, updated_at)
     SELECT u.id, u.reminder_id, u.email, u.run_id, u.name, u.locale, u.obligation_id, u.agreement_id, u.funder_id,
            u.stage_key, u.escalate, u.reminder, 'pending', now(), now()
     FROM jsonb_to_recordset($1::jsonb) AS u(id uuid, reminder_id uuid, email text, run_id uuid, name text, locale text,
          obligation_id uuid, agreement_id uuid, funder_id uuid, stage_key text, escalate boolean, reminder jsonb)
     ORDER BY u.reminder_id, u.email
     ON CONFLICT (reminder_id, email) DO UPDATE SET
       run_id = EXCLUDED.run_id, contact_name = EXCLUDED.contact_name, contact_locale = EXCLUDED.contact_locale,
       stage_key = EXCLUDED.stage_key, escalate = EXCLUDED.escalate, reminder = EXCLUDED.reminder, updated_at = now()
     WHERE reminder_delivery.digest_id IS NULL`,
    JSON.stringify(
      entries.map((r) => ({
        id: r.id,
        reminder_id: r.stage.reminderId,
        email: r.email,
        run_id: r.stage.runId,
        name: r.name,
        locale: r.locale,
        obligation_id: r.stage.obligation.id,
        agreement_id: r.stage.agreement.id,
        funder_id: r.stage.agreement.funderId,
        stage_key: r.stage.stage.key,
        escalate: r.stage.stage.escalate,
        reminder: r.stage,
      })),
    ),
  );
}

/** The run's ledger rows not yet in a digest, locked, by address then id. */
export async function lockUndigested(tx: SqlTx, runId: string): Promise<PendingStage[]> {
  return tx.$queryRawUnsafe<PendingStage[]>(
    // The grantee is the one the reminder.due event named (kept in `reminder`): whose choice of language applies.
    `SELECT id, email, funder_id AS "funderId", reminder->'grantee'->>'id' AS "granteeId", escalate,
            contact_locale AS "contactLocale"
     FROM reminder_delivery WHERE run_id = $1::uuid AND digest_id IS NULL ORDER BY email, id FOR UPDATE`,
    runId,
  );
}

export async function assignToDigests(tx: SqlTx, assign: { id: string; digest: string }[]): Promise<void> {
  await tx.$executeRawUnsafe(
    `UPDATE reminder_delivery r SET digest_id = u.digest, updated_at = now()
     FROM unnest($1::uuid[], $2::uuid[]) AS u(id, digest) WHERE r.id = u.id`,
    assign.map((a) => a.id),
    assign.map((a) => a.digest),
  );
}

export interface LedgerRow {
  id: string;
  digest_id: string;
  reminder_id: string;
  run_id: string;
  obligation_id: string;
  funder_id: string;
  stage_key: string;
  email: string;
  contact_name: string;
  reminder: ReminderStage;
}

/** The ledger rows of these digests (what their emails say). */
export async function ledgerOf(pool: pg.Pool, digestIds: string[]): Promise<LedgerRow[]> {
  return (
    await pool.query<LedgerRow>(
      `SELECT id, digest_id, reminder_id, run_id, obligation_id, funder_id, stage_key, email, contact_name, reminder
     FROM reminder_delivery WHERE digest_id = ANY($1::uuid[]) ORDER BY id`,
      [digestIds],
    )
  ).rows;
}
