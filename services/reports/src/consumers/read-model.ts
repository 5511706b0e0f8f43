import type pg from 'pg';
import type { BatchHandler, BatchHandlers, PgTx } from '@pc/bus';
import type { Envelope, EventData, EventType } from '@pc/contracts';
import { pseudonymize, todayInMontreal } from '@pc/service-kit';
import type { AuditActor } from '../domain/audit-chain';
import type { AuditBatch } from '../adapters/audit-store';

type Sql = pg.ClientBase;
type Data<T extends EventType> = EventData<T>;

const system = (e: Envelope): AuditActor => ({ kind: 'system', id: e.source });
const iso = (s: string): string => new Date(s).toISOString();
/** Failure texts from SMTP servers often quote the address: the audit trail keeps only a pseudonym. */
const scrubEmails = (s: string): string => s.replace(/[^\s<>"'(),;:]+@[^\s<>"'(),;:]+/g, (m) => pseudonymize(m));

/** What the read model's handlers work in: the batch's transaction, and the audit entries it appends before committing. */
export type ReadModelTx = PgTx & { audit: AuditBatch };

/** A handler of single events, run for each event of a run in turn. */
const each = <T extends EventType>(record: (e: Envelope<T>, sql: Sql, audit: AuditBatch) => Promise<unknown>): BatchHandler<T, ReadModelTx> =>
  async (items, tx) => { for (const { envelope } of items) await record(envelope, tx.client, tx.audit); };

const snapshots: BatchHandler<'agreement.registered.v1' | 'agreement.amended.v1', ReadModelTx> =
  (items, tx) => recordAgreementSnapshots(items.map((i) => i.envelope), tx.client, tx.audit);
const transitions: BatchHandler<'obligation.transitioned.v1', ReadModelTx> =
  (items, tx) => recordTransitions(items.map((i) => i.envelope), tx.client, tx.audit);
const apiKeys = each<'api_key.created.v1' | 'api_key.revoked.v1'>((e, _sql, audit) => recordApiKey(e, audit));
/** Not changes to a funder's records: reminders planned, runs closed, jobs (the scheduler keeps those). */
const notRecorded = async (): Promise<void> => undefined;

/**
 * The read model and the per-funder audit chain, built from every event type: a new catalog type
 * does not compile until it is given an entry here. Idempotent per event (the inbox dedupes
 * redeliveries) and order-tolerant: agreement snapshots apply only when their revision is newer,
 * obligation transitions only when not older than the last. Consecutive snapshots and consecutive
 * transitions (most of the traffic) arrive together and go through multi-row statements; the
 * effect is the same as applying them one by one.
 */
export const readModel: Required<BatchHandlers<ReadModelTx>> = {
  'funder.registered.v1': each(recordFunder),
  'programme.registered.v1': each(recordProgramme),
  'agreement.registered.v1': snapshots,
  'agreement.amended.v1': snapshots,
  'agreement.terminated.v1': each(recordTermination),
  'obligation.transitioned.v1': transitions,
  'praxis.note.verified.v1': each(recordVerifiedNote),
  'praxis.note.withdrawn.v1': each(recordNoteWithdrawal),
  'reminder.sent.v1': each(recordReminderSent),
  'reminder.failed.v1': each(recordReminderFailure),
  'api_key.created.v1': apiKeys,
  'api_key.revoked.v1': apiKeys,
  'reminder.due.v1': notRecorded,
  'reminder.run_closed.v1': notRecorded,
  'job.requested.v1': notRecorded,
  'job.finished.v1': notRecorded,
};

async function recordFunder(e: Envelope<'funder.registered.v1'>, sql: Sql, audit: AuditBatch): Promise<'done'> {
  const d = e.data;
  await sql.query(
    `INSERT INTO funder (id, name, kind, locale, report_recipients) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind, locale = EXCLUDED.locale,
       report_recipients = EXCLUDED.report_recipients, updated_at = now()`,
    [d.funderId, d.name, d.kind, d.locale, d.reportRecipients]);
  audit.add({
    funderId: d.funderId, eventId: e.id, type: e.type, subject: d.funderId, actor: d.actor, at: iso(e.time), reason: null,
    before: null, after: { name: d.name, kind: d.kind, locale: d.locale, reportRecipients: d.reportRecipients.map(pseudonymize) },
  });
  return 'done';
}

async function recordProgramme(e: Envelope<'programme.registered.v1'>, sql: Sql, audit: AuditBatch): Promise<'done'> {
  const d = e.data;
  await sql.query(
    `INSERT INTO programme (id, funder_id, code, name) VALUES ($1, $2, $3, $4)
     ON CONFLICT (id) DO UPDATE SET code = EXCLUDED.code, name = EXCLUDED.name`,
    [d.programmeId, d.funderId, d.code, d.name]);
  audit.add({
    funderId: d.funderId, eventId: e.id, type: e.type, subject: d.programmeId, actor: d.actor, at: iso(e.time), reason: null,
    before: null, after: { code: d.code, name: d.name, sector: d.sector, praxisFeeds: d.praxisFeeds, reminderStages: d.reminderStages },
  });
  return 'done';
}

type Snapshot = Data<'agreement.registered.v1'>;
type SnapshotEvent = Envelope<'agreement.registered.v1' | 'agreement.amended.v1'>;
type TransitionEvent = Envelope<'obligation.transitioned.v1'>;

/** What the audit trail shows of an agreement (contacts only as pseudonyms: Law 25). */
function summarise(d: Snapshot): Record<string, unknown> {
  return {
    revision: d.revision, referenceCode: d.referenceCode, externalRef: d.externalRef, programmeCode: d.programmeCode,
    title: d.title, startDate: d.startDate, endDate: d.endDate, signedAt: d.signedAt,
    grantee: d.grantee, contacts: d.contacts.map((c) => pseudonymize(c.email)),
    obligations: d.obligations.map((o) => ({ id: o.id, kind: o.kind, sequence: o.sequence, dueDate: o.dueDate })),
  };
}

/**
 * Splits a run of events into rounds where each key appears at most once, keeping each key's events
 * in order: one multi-row statement per round (PostgreSQL's ON CONFLICT cannot touch a row twice).
 */
function rounds<E>(events: E[], key: (e: E) => string): E[][] {
  const seen = new Map<string, number>();
  const out: E[][] = [];
  for (const e of events) {
    const k = key(e);
    const r = seen.get(k) ?? 0;
    seen.set(k, r + 1);
    (out[r] ??= []).push(e);
  }
  return out;
}

/**
 * Applies consecutive agreement snapshots in a few multi-row statements (the benchmark's 20,000
 * agreements arrive as such runs). Each snapshot applies only if its revision is newer than held.
 */
async function recordAgreementSnapshots(run: SnapshotEvent[], sql: Sql, audit: AuditBatch): Promise<void> {
  const auditBefore = new Map<string, unknown>();
  const applied = new Set<string>();
  for (const round of rounds(run, (e) => e.data.agreementId)) {
    const { rows } = await sql.query<{ id: string; revision: number; summary: unknown }>(
      'SELECT id, revision, summary FROM agreement WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE', [round.map((e) => e.data.agreementId)]);
    const prev = new Map(rows.map((r) => [r.id, r]));
    const newer = round.filter((e) => { const p = prev.get(e.data.agreementId); return !p || p.revision < e.data.revision; })
      .sort((a, b) => a.data.agreementId.localeCompare(b.data.agreementId));
    for (const e of newer) { applied.add(e.id); auditBefore.set(e.id, prev.get(e.data.agreementId)?.summary ?? null); }
    if (newer.length === 0) continue;
    const col = <T>(f: (d: Snapshot) => T): T[] => newer.map((e) => f(e.data));
    await sql.query(
      `INSERT INTO agreement (id, funder_id, programme_id, programme_code, external_ref, reference_code, title, grantee_id, grantee_name,
         grantee_neq, start_date, end_date, revision, summary)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::uuid[], $9::text[],
         $10::text[], $11::date[], $12::date[], $13::int[], $14::jsonb[])
       ON CONFLICT (id) DO UPDATE SET funder_id = EXCLUDED.funder_id, programme_id = EXCLUDED.programme_id,
         programme_code = EXCLUDED.programme_code, external_ref = EXCLUDED.external_ref, reference_code = EXCLUDED.reference_code,
         title = EXCLUDED.title, grantee_id = EXCLUDED.grantee_id, grantee_name = EXCLUDED.grantee_name, grantee_neq = EXCLUDED.grantee_neq,
         start_date = EXCLUDED.start_date, end_date = EXCLUDED.end_date, revision = EXCLUDED.revision, summary = EXCLUDED.summary, updated_at = now()
       -- a replica that inserted a newer revision of a new agreement meanwhile keeps it
       WHERE agreement.revision < EXCLUDED.revision`,
      [col((d) => d.agreementId), col((d) => d.funderId), col((d) => d.programmeId), col((d) => d.programmeCode), col((d) => d.externalRef),
        col((d) => d.referenceCode), col((d) => d.title), col((d) => d.grantee.id), col((d) => d.grantee.name), col((d) => d.grantee.neq),
        col((d) => d.startDate), col((d) => d.endDate), col((d) => d.revision), col((d) => JSON.stringify(summarise(d)))]);
    const obs = newer.flatMap((e) => e.data.obligations.map((o) => ({ o, d: e.data }))).sort((a, b) => a.o.id.localeCompare(b.o.id));
    // The obligations service owns the effective due date once it reported the obligation
    // (extensions are unknown to the agreements service): the snapshot's date applies only before.
    await sql.query(
      `INSERT INTO obligation (id, agreement_id, funder_id, programme_id, grantee_id, requirement_id, kind, sequence, due_date, in_agreement)
       SELECT u.*, true FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], $6::uuid[], $7::text[], $8::int[], $9::date[])
         AS u(id, agreement_id, funder_id, programme_id, grantee_id, requirement_id, kind, sequence, due_date)
       ON CONFLICT (id) DO UPDATE SET agreement_id = EXCLUDED.agreement_id, funder_id = EXCLUDED.funder_id,
         programme_id = EXCLUDED.programme_id, grantee_id = EXCLUDED.grantee_id, requirement_id = EXCLUDED.requirement_id,
         kind = EXCLUDED.kind, sequence = EXCLUDED.sequence, in_agreement = true,
         due_date = CASE WHEN obligation.status IS NULL THEN EXCLUDED.due_date ELSE obligation.due_date END`,
      [obs.map((x) => x.o.id), obs.map((x) => x.d.agreementId), obs.map((x) => x.d.funderId), obs.map((x) => x.d.programmeId),
        obs.map((x) => x.d.grantee.id), obs.map((x) => x.o.requirementId), obs.map((x) => x.o.kind), obs.map((x) => x.o.sequence), obs.map((x) => x.o.dueDate)]);
    const amended = newer.filter((e) => prev.has(e.data.agreementId));
    if (amended.length) {
      await sql.query('UPDATE obligation SET in_agreement = false WHERE agreement_id = ANY($1::uuid[]) AND NOT (id = ANY($2::uuid[]))',
        [amended.map((e) => e.data.agreementId), amended.flatMap((e) => e.data.obligations.map((o) => o.id))]);
    }
  }
  for (const e of run) {
    const d = e.data;
    const newer = applied.has(e.id);
    audit.add({
      funderId: d.funderId, eventId: e.id, type: e.type, subject: d.agreementId, actor: d.actor, at: iso(e.time), reason: null,
      before: newer ? (auditBefore.get(e.id) ?? null) : null,
      // a snapshot older than the one held is still a recorded change; it just did not alter the read model
      after: { ...summarise(d), ...('changes' in d ? { changes: d.changes } : {}), ...(newer ? {} : { superseded: true }) },
    });
  }
}

async function recordTermination(e: Envelope<'agreement.terminated.v1'>, sql: Sql, audit: AuditBatch): Promise<'done'> {
  const d = e.data;
  const { rows } = await sql.query<{ status: string }>(
    `WITH prev AS (SELECT id, status FROM agreement WHERE id = $1 FOR UPDATE)
     UPDATE agreement a SET status = 'terminated', terminated_reason = $2, revision = GREATEST(a.revision, $3), updated_at = now()
     FROM prev WHERE a.id = prev.id RETURNING prev.status`, [d.agreementId, d.reason, d.revision]);
  audit.add({
    funderId: d.funderId, eventId: e.id, type: e.type, subject: d.agreementId, actor: d.actor, at: iso(e.time), reason: d.reason,
    before: { status: rows[0]?.status ?? null }, after: { status: 'terminated', revision: d.revision },
  });
  return 'done';
}

/**
 * Applies consecutive obligation transitions, one multi-row upsert per round. A transition applies
 * only if it is not older than the last one held (`status_at`), so a late redelivery cannot undo.
 */
async function recordTransitions(run: TransitionEvent[], sql: Sql, audit: AuditBatch): Promise<void> {
  for (const round of rounds(run, (e) => e.data.obligationId)) {
    const rows = round.map((e) => {
      const d = e.data;
      const at = iso(d.at);
      const ev = d.to === 'fulfilled' ? d.evidence : undefined;
      // On time means published (or, without evidence details, recorded) no later than the due date, Montréal days.
      const late = d.to === 'fulfilled' ? (ev ? ev.late : todayInMontreal(new Date(at)) > d.dueDate) : null;
      return { d, at, ev, late };
    }).sort((a, b) => a.d.obligationId.localeCompare(b.d.obligationId));
    await sql.query(
      `INSERT INTO obligation (id, agreement_id, funder_id, programme_id, grantee_id, kind, due_date, status, status_at,
         fulfilled_at, late, evidence_url, evidence_title, evidence_published_on)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], $6::text[], $7::date[], $8::text[], $9::timestamptz[],
         $10::timestamptz[], $11::bool[], $12::text[], $13::text[], $14::date[])
       ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, status_at = EXCLUDED.status_at, due_date = EXCLUDED.due_date,
         fulfilled_at = CASE WHEN EXCLUDED.status = 'fulfilled' THEN EXCLUDED.fulfilled_at ELSE obligation.fulfilled_at END,
         late = CASE WHEN EXCLUDED.status = 'fulfilled' THEN EXCLUDED.late ELSE obligation.late END,
         evidence_url = COALESCE(EXCLUDED.evidence_url, obligation.evidence_url),
         evidence_title = COALESCE(EXCLUDED.evidence_title, obligation.evidence_title),
         evidence_published_on = CASE WHEN EXCLUDED.evidence_url IS NOT NULL THEN EXCLUDED.evidence_published_on ELSE obligation.evidence_published_on END
       WHERE obligation.status_at IS NULL OR obligation.status_at <= EXCLUDED.status_at`,
      [rows.map((r) => r.d.obligationId), rows.map((r) => r.d.agreementId), rows.map((r) => r.d.funderId), rows.map((r) => r.d.programmeId),
        rows.map((r) => r.d.granteeId), rows.map((r) => r.d.kind), rows.map((r) => r.d.dueDate), rows.map((r) => r.d.to), rows.map((r) => r.at),
        rows.map((r) => (r.d.to === 'fulfilled' ? r.at : null)), rows.map((r) => r.late), rows.map((r) => r.ev?.noteUrl ?? null),
        rows.map((r) => r.ev?.title ?? null), rows.map((r) => r.ev?.publishedOn ?? null)]);
    const withdrawn = rows.filter((r) => r.d.to === 'evidence_withdrawn');
    if (withdrawn.length) {
      await sql.query(
        `INSERT INTO evidence_withdrawal (obligation_id, note_url, funder_id, agreement_id, reason, at)
         SELECT o.id, COALESCE(o.evidence_url, ''), o.funder_id, o.agreement_id, u.reason, u.at
         FROM unnest($1::uuid[], $2::text[], $3::timestamptz[]) AS u(id, reason, at) JOIN obligation o ON o.id = u.id
         ON CONFLICT (obligation_id, note_url) DO UPDATE SET at = GREATEST(evidence_withdrawal.at, EXCLUDED.at)`,
        [withdrawn.map((r) => r.d.obligationId), withdrawn.map((r) => r.d.reason ?? 'withdrawn'), withdrawn.map((r) => r.at)]);
    }
  }
  for (const e of run) {
    const d = e.data;
    audit.add({
      funderId: d.funderId, eventId: e.id, type: e.type, subject: d.obligationId, actor: d.actor, at: iso(d.at), reason: d.reason,
      before: { status: d.from, dueDate: d.previousDueDate ?? d.dueDate },
      after: { status: d.to, dueDate: d.dueDate, agreementId: d.agreementId, kind: d.kind, ...(d.evidence ? { evidence: d.evidence } : {}) },
    });
  }
}

async function recordVerifiedNote(e: Envelope<'praxis.note.verified.v1'>, sql: Sql, audit: AuditBatch): Promise<'done' | 'skipped'> {
  const d = e.data;
  const { rows } = await sql.query<{ funder_id: string; ids: string[] }>(
    'SELECT funder_id, array_agg(id::text ORDER BY id) AS ids FROM agreement WHERE id = ANY($1::uuid[]) GROUP BY funder_id ORDER BY funder_id',
    [d.agreementIds]);
  for (const r of rows) {
    audit.add({
      funderId: r.funder_id, eventId: e.id, type: e.type, subject: d.noteUrl, actor: system(e), at: iso(d.verifiedAt), reason: null,
      before: null,
      after: { noteUrl: d.noteUrl, noteId: d.noteId, title: d.title, textSha256: d.textSha256, publishedOn: d.publishedOn, source: d.source, agreementIds: r.ids },
    });
  }
  return rows.length ? 'done' : 'skipped';
}

async function recordNoteWithdrawal(e: Envelope<'praxis.note.withdrawn.v1'>, sql: Sql, audit: AuditBatch): Promise<'done' | 'skipped'> {
  const d = e.data;
  const at = iso(d.at);
  const { rows } = await sql.query<{ funder_id: string; obligation_id: string }>(
    `INSERT INTO evidence_withdrawal (obligation_id, note_url, funder_id, agreement_id, reason, http_status, at)
     SELECT id, $1, funder_id, agreement_id, $2, $3, $4 FROM obligation WHERE evidence_url = $1
     ON CONFLICT (obligation_id, note_url) DO UPDATE SET reason = EXCLUDED.reason, http_status = EXCLUDED.http_status,
       at = GREATEST(evidence_withdrawal.at, EXCLUDED.at)
     RETURNING funder_id, obligation_id`, [d.noteUrl, d.reason, d.httpStatus, at]);
  const byFunder = new Map<string, string[]>();
  for (const r of rows) byFunder.set(r.funder_id, [...(byFunder.get(r.funder_id) ?? []), r.obligation_id]);
  for (const [funderId, ids] of [...byFunder.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    audit.add({
      funderId, eventId: e.id, type: e.type, subject: d.noteUrl, actor: system(e), at, reason: d.reason,
      before: { noteUrl: d.noteUrl, public: true, obligationIds: ids.sort() }, after: { public: false, httpStatus: d.httpStatus },
    });
  }
  return rows.length ? 'done' : 'skipped';
}

async function recordReminderSent(e: Envelope<'reminder.sent.v1'>, sql: Sql, audit: AuditBatch): Promise<'done'> {
  const d = e.data;
  await sql.query(
    'UPDATE contact_failure SET resolved_at = $3 WHERE funder_id = $1 AND contact_ref = $2 AND last_at < $3',
    [d.funderId, d.contactRef, iso(d.sentAt)]);
  audit.add({
    funderId: d.funderId, eventId: e.id, type: e.type, subject: d.obligationId, actor: system(e), at: iso(d.sentAt), reason: null,
    before: null, after: { reminderId: d.reminderId, runId: d.runId, stageKey: d.stageKey, contactRef: d.contactRef, messageId: d.messageId },
  });
  return 'done';
}

async function recordReminderFailure(e: Envelope<'reminder.failed.v1'>, sql: Sql, audit: AuditBatch): Promise<'done'> {
  const d = e.data;
  const at = iso(d.at);
  if (d.permanent) {
    await sql.query(
      `INSERT INTO contact_failure (funder_id, contact_ref, email, reason, failures, last_obligation_id, first_at, last_at)
       VALUES ($1, $2, $3, $4, 1, $5, $6, $6)
       ON CONFLICT (funder_id, contact_ref) DO UPDATE SET email = EXCLUDED.email, failures = contact_failure.failures + 1,
         reason = CASE WHEN EXCLUDED.last_at >= contact_failure.last_at THEN EXCLUDED.reason ELSE contact_failure.reason END,
         last_obligation_id = CASE WHEN EXCLUDED.last_at >= contact_failure.last_at THEN EXCLUDED.last_obligation_id ELSE contact_failure.last_obligation_id END,
         last_at = GREATEST(contact_failure.last_at, EXCLUDED.last_at),
         resolved_at = CASE WHEN EXCLUDED.last_at >= COALESCE(contact_failure.resolved_at, '-infinity') THEN NULL ELSE contact_failure.resolved_at END`,
      [d.funderId, d.contactRef, d.email, d.reason, d.obligationId, at]);
  }
  audit.add({
    funderId: d.funderId, eventId: e.id, type: e.type, subject: d.obligationId, actor: system(e), at, reason: scrubEmails(d.reason),
    before: null, after: { reminderId: d.reminderId, runId: d.runId, stageKey: d.stageKey, contactRef: d.contactRef, permanent: d.permanent },
  });
  return 'done';
}

async function recordApiKey(e: Envelope<'api_key.created.v1' | 'api_key.revoked.v1'>, audit: AuditBatch): Promise<'done' | 'skipped'> {
  const d = e.data;
  const funders = [...new Set([d.funderId, ...d.funderIds].filter((f): f is string => !!f))].sort();
  // admin and grantee keys belong to no funder's log
  for (const funderId of funders) {
    audit.add({
      funderId, eventId: e.id, type: e.type, subject: d.keyId, actor: d.actor, at: iso(e.time), reason: null,
      before: e.type === 'api_key.revoked.v1' ? { active: true } : null,
      after: 'role' in d
        ? { keyId: d.keyId, active: true, role: d.role, label: d.label, funderId: d.funderId, funderIds: d.funderIds, granteeId: d.granteeId }
        : { keyId: d.keyId, active: false },
    });
  }
  return funders.length ? 'done' : 'skipped';
}
