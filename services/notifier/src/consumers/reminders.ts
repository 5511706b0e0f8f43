import { eventId, type EventData } from '@pc/contracts';
import { enqueue, type HandlerResult, type SqlTx } from '@pc/bus';
import { digestMessageId, normalizeEmail } from '../domain/ids';
import { asLocale } from '../domain/reminder';

export type { SqlTx };

export interface RemindersDeps {
  /** domain of the Message-IDs (from MAIL_FROM) */
  messageDomain: string;
  clock: () => Date;
}

/**
 * reminder.due.v1: records the stage as announced by the run, and one ledger row per contact address.
 * The ledger is keyed by (reminderId, address): a later run announcing the same stage finds the row
 * and adds nothing, so a stage is never sent twice; a row not yet put in a digest (its run never
 * closed) moves to the new run so it is not stranded.
 */
export function recordReminderStage(deps: RemindersDeps) {
  return async (d: EventData<'reminder.due.v1'>, tx: SqlTx): Promise<HandlerResult> => {
  const { contacts, ...stage } = d;
  // Lock a closed run first (same order as the digest builder: run, then ledger rows).
  const closed = await tx.$queryRawUnsafe<unknown[]>('SELECT 1 FROM run WHERE run_id = $1::uuid FOR UPDATE', stage.runId);
  await tx.$executeRawUnsafe('INSERT INTO run_stage (run_id, reminder_id) VALUES ($1::uuid, $2::uuid) ON CONFLICT DO NOTHING', stage.runId, stage.reminderId);
  const seen = new Set<string>();
  const rows = contacts
    .map((c) => ({ email: normalizeEmail(c.email), name: c.name, locale: c.locale }))
    .filter((c) => c.email.includes('@') && (seen.has(c.email) ? false : (seen.add(c.email), true)));
  if (rows.length > 0) await tx.$executeRawUnsafe(
    `INSERT INTO reminder_delivery (id, reminder_id, email, run_id, contact_name, contact_locale, obligation_id, agreement_id,
                                    funder_id, stage_key, escalate, reminder, state, created_at, updated_at)
     SELECT u.id, $2::uuid, u.email, $3::uuid, u.name, u.locale, $4::uuid, $5::uuid, $6::uuid, $7, $8, $9::jsonb, 'pending', now(), now()
     FROM unnest($1::uuid[], $10::text[], $11::text[], $12::text[]) AS u(id, email, name, locale)
     ON CONFLICT (reminder_id, email) DO UPDATE SET
       run_id = EXCLUDED.run_id, contact_name = EXCLUDED.contact_name, contact_locale = EXCLUDED.contact_locale,
       stage_key = EXCLUDED.stage_key, escalate = EXCLUDED.escalate, reminder = EXCLUDED.reminder, updated_at = now()
     WHERE reminder_delivery.digest_id IS NULL`,
    rows.map((r) => eventId('ledger', stage.reminderId, r.email)), stage.reminderId, stage.runId, stage.obligation.id, stage.agreement.id,
    stage.agreement.funderId, stage.stage.key, stage.stage.escalate, JSON.stringify(stage),
    rows.map((r) => r.email), rows.map((r) => r.name), rows.map((r) => r.locale),
  );
  if (rows.length === 0) {
    // Nobody to write to: the funder's report must show it rather than a silent gap.
    await enqueue(tx, [{
      type: 'reminder.failed.v1', id: eventId('reminder.failed', stage.reminderId, 'no-contact'), subject: stage.obligation.id,
      data: {
        reminderId: stage.reminderId, runId: stage.runId, obligationId: stage.obligation.id, funderId: stage.agreement.funderId,
        stageKey: stage.stage.key, contactRef: '', email: '', permanent: true, reason: 'the agreement has no contact address', at: deps.clock().toISOString(),
      },
    }]);
  }
  // The stage that completes an already-closed run builds its digests.
  if (closed.length > 0) await buildDigests(tx, stage.runId, deps);
  return 'done';
  };
}

interface PendingRow { id: string; email: string; funder_id: string; escalate: boolean; contact_locale: string }

/**
 * reminder.run_closed.v1: records the run and how many stages it announced, then builds its digests
 * when they are all here. Stages may still be in flight (they share the queue and are handled
 * concurrently): then the handler whose stage completes the run builds them, and the sweeper catches a
 * race between the two. Nothing waits on bus retries, so a slow run never reaches the dead-letter queue.
 */
export function closeRun(deps: RemindersDeps) {
  return async (d: EventData<'reminder.run_closed.v1'>, tx: SqlTx): Promise<HandlerResult> => {
    const { runId, reminders, asOf } = d;
    await tx.$executeRawUnsafe('INSERT INTO run (run_id, expected, as_of) VALUES ($1::uuid, $2, $3) ON CONFLICT DO NOTHING', runId, reminders, asOf);
    await buildDigests(tx, runId, deps);
    return 'done';
  };
}

/**
 * Groups a complete run's unsent ledger rows into ONE digest per contact address. When an escalate
 * stage is in it, the funder's report recipients are copied: in Cc when the digest speaks of that
 * funder only; otherwise each escalating funder gets its own copy of its part alone, so a funder
 * never reads about another funder's grants. Returns false while stages are missing.
 */
export async function buildDigests(tx: SqlTx, runId: string, deps: RemindersDeps): Promise<boolean> {
    const [run] = await tx.$queryRawUnsafe<{ expected: number }[]>('SELECT expected FROM run WHERE run_id = $1::uuid FOR UPDATE', runId);
    if (!run) return false;
    const [count] = await tx.$queryRawUnsafe<{ n: number }[]>('SELECT count(*)::int AS n FROM run_stage WHERE run_id = $1::uuid', runId);
    if ((count?.n ?? 0) < run.expected) return false;
    const rows = await tx.$queryRawUnsafe<PendingRow[]>(
      `SELECT id, email, funder_id, escalate, contact_locale FROM reminder_delivery
       WHERE run_id = $1::uuid AND digest_id IS NULL ORDER BY email, id FOR UPDATE`, runId);
    const done = (): Promise<number> => tx.$executeRawUnsafe('UPDATE run SET digested_at = now() WHERE run_id = $1::uuid AND digested_at IS NULL', runId);
    if (rows.length === 0) { await done(); return true; }

    const byEmail = new Map<string, PendingRow[]>();
    for (const r of rows) byEmail.set(r.email, [...(byEmail.get(r.email) ?? []), r]);
    const prefs = new Map((await tx.$queryRawUnsafe<{ email: string; locale: string | null }[]>(
      'SELECT email, locale FROM contact WHERE email = ANY($1::text[])', [...byEmail.keys()])).map((p) => [p.email, p.locale]));
    const funderIds = [...new Set(rows.filter((r) => r.escalate).map((r) => r.funder_id))];
    const funders = new Map((await tx.$queryRawUnsafe<{ id: string; locale: string; report_recipients: string[] }[]>(
      'SELECT id, locale, report_recipients FROM funder WHERE id = ANY($1::uuid[])', funderIds)).map((f) => [f.id, f]));

    const now = deps.clock();
    const digests: { id: string; kind: string; parent: string | null; email: string; funder: string | null; to: string[]; cc: string[]; locale: string; messageId: string }[] = [];
    const assign: { id: string; digest: string }[] = [];
    for (const [email, group] of byEmail) {
      const ledgerIds = group.map((r) => r.id);
      const messageId = digestMessageId(ledgerIds, deps.messageDomain);
      // Membership is part of the id: a straggler stage after the run's digests makes its own digest.
      const id = eventId('digest', runId, email, messageId);
      const locale = asLocale(prefs.get(email)) ?? asLocale(group[0]?.contact_locale) ?? 'fr';
      const allFunders = new Set(group.map((r) => r.funder_id));
      const escalating = [...new Set(group.filter((r) => r.escalate).map((r) => r.funder_id))];
      const recipients = (f: string): string[] => (funders.get(f)?.report_recipients ?? []).filter((a) => a !== email);
      const cc = allFunders.size === 1 && escalating.length === 1 ? recipients(escalating[0]!) : [];
      digests.push({ id, kind: 'contact', parent: null, email, funder: null, to: [email], cc, locale, messageId });
      if (allFunders.size > 1) {
        for (const f of escalating) {
          const to = recipients(f);
          if (to.length === 0) continue;
          const part = group.filter((r) => r.funder_id === f).map((r) => r.id);
          digests.push({
            id: eventId('funder_copy', id, f), kind: 'funder_copy', parent: id, email, funder: f, to, cc: [],
            locale: asLocale(funders.get(f)?.locale) ?? 'fr', messageId: digestMessageId(part, deps.messageDomain, `copy:${f}`),
          });
        }
      }
      for (const l of ledgerIds) assign.push({ id: l, digest: id });
    }
    await tx.$executeRawUnsafe(
      `INSERT INTO digest (id, run_id, kind, parent_id, email, funder_id, to_addrs, cc_addrs, locale, message_id, state, attempts, next_attempt_at, created_at)
       SELECT u.id, $1::uuid, u.kind, u.parent, u.email, u.funder,
              ARRAY(SELECT jsonb_array_elements_text(u.to_addrs::jsonb)), ARRAY(SELECT jsonb_array_elements_text(u.cc_addrs::jsonb)),
              u.locale, u.message_id, 'pending', 0, $2::timestamptz, $2::timestamptz
       FROM unnest($3::uuid[], $4::text[], $5::uuid[], $6::text[], $7::uuid[], $8::text[], $9::text[], $10::text[], $11::text[])
            AS u(id, kind, parent, email, funder, to_addrs, cc_addrs, locale, message_id)
       ON CONFLICT (id) DO NOTHING`,
      runId, now, digests.map((d) => d.id), digests.map((d) => d.kind), digests.map((d) => d.parent), digests.map((d) => d.email),
      digests.map((d) => d.funder), digests.map((d) => JSON.stringify(d.to)), digests.map((d) => JSON.stringify(d.cc)),
      digests.map((d) => d.locale), digests.map((d) => d.messageId),
    );
    await tx.$executeRawUnsafe(
      `UPDATE reminder_delivery r SET digest_id = u.digest, updated_at = now()
       FROM unnest($1::uuid[], $2::uuid[]) AS u(id, digest) WHERE r.id = u.id`,
      assign.map((a) => a.id), assign.map((a) => a.digest));
    await done();
    return true;
}

/** Closed runs whose stages are all here but whose digests are not built (the sweeper's part). */
export async function completeRuns(tx: SqlTx): Promise<string[]> {
  const rows = await tx.$queryRawUnsafe<{ run_id: string }[]>(
    `SELECT r.run_id FROM run r WHERE r.digested_at IS NULL
       AND r.expected <= (SELECT count(*) FROM run_stage s WHERE s.run_id = r.run_id) ORDER BY r.closed_at LIMIT 100`);
  return rows.map((r) => r.run_id);
}
