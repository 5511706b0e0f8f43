import type pg from 'pg';
import type { EventData } from '@pc/contracts';

type Snapshot = EventData<'agreement.registered.v1'>;
type Transition = EventData<'obligation.transitioned.v1'>;

/** A snapshot to apply, with the summary the read model keeps of it (the next amendment's "before"). */
export interface SnapshotToApply {
  eventId: string;
  data: Snapshot;
  summary: unknown;
}
/** A transition to apply, at its instant, with whether it fulfilled late (null: not a fulfilment). */
export interface TransitionToApply {
  data: Transition;
  at: string;
  late: boolean | null;
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
 * Writes of the read model (funders, programmes, agreements, obligations, withdrawn evidence,
 * failing contacts), in the transaction of the batch of events being applied. Plain SQL on the
 * batch's pg client: the statements apply a run of events at once (`unnest`, row locks in id order,
 * upserts guarded by revision or instant), and they must commit together with the inbox rows and the
 * audit entries of the same batch, which a Prisma call on another connection could not.
 * Rows of a multi-row statement are sorted by id, so two replicas lock them in the same order.
 */
export class ReadModelStore {
  constructor(private readonly sql: pg.ClientBase) {}

  async upsertFunder(d: EventData<'funder.registered.v1'>): Promise<void> {
    await this.sql.query(
      `INSERT INTO funder (id, name, kind, locale, report_recipients) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind, locale = EXCLUDED.locale,
         report_recipients = EXCLUDED.report_recipients, updated_at = now()`,
      [d.funderId, d.name, d.kind, d.locale, d.reportRecipients],
    );
  }

  async upsertProgramme(d: EventData<'programme.registered.v1'>): Promise<void> {
    await this.sql.query(
      `INSERT INTO programme (id, funder_id, code, name) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) DO UPDATE SET code = EXCLUDED.code, name = EXCLUDED.name`,
      [d.programmeId, d.funderId, d.code, d.name],
    );
  }

  /**
   * Applies consecutive agreement snapshots in a few multi-row statements (the benchmark's 20,000
   * agreements arrive as such runs). Each snapshot applies only if its revision is newer than held.
   * Returns, for each applied snapshot (by event id), the summary it replaced (null: a new agreement).
   */
  async applySnapshots(run: SnapshotToApply[]): Promise<Map<string, unknown>> {
    const applied = new Map<string, unknown>();
    for (const round of rounds(run, (s) => s.data.agreementId)) {
      const { rows } = await this.sql.query<{ id: string; revision: number; summary: unknown }>(
        'SELECT id, revision, summary FROM agreement WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE',
        [round.map((s) => s.data.agreementId)],
      );
      const prev = new Map(rows.map((r) => [r.id, r]));
      const newer = round
        .filter((s) => {
          const p = prev.get(s.data.agreementId);
          return !p || p.revision < s.data.revision;
        })
        .sort((a, b) => a.data.agreementId.localeCompare(b.data.agreementId));
      for (const s of newer) applied.set(s.eventId, prev.get(s.data.agreementId)?.summary ?? null);
      if (newer.length === 0) continue;
      const col = <T>(f: (d: Snapshot) => T): T[] => newer.map((s) => f(s.data));
      await this.sql.query(
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
        [
          col((d) => d.agreementId),
          col((d) => d.funderId),
          col((d) => d.programmeId),
          col((d) => d.programmeCode),
          col((d) => d.externalRef),
          col((d) => d.referenceCode),
          col((d) => d.title),
          col((d) => d.grantee.id),
          col((d) => d.grantee.name),
          col((d) => d.grantee.neq),
          col((d) => d.startDate),
          col((d) => d.endDate),
          col((d) => d.revision),
          newer.map((s) => JSON.stringify(s.summary)),
        ],
      );
      const obs = newer
        .flatMap((s) => s.data.obligations.map((o) => ({ o, d: s.data })))
        .sort((a, b) => a.o.id.localeCompare(b.o.id));
      // The obligations service owns the effective due date once it reported the obligation
      // (extensions are unknown to the agreements service): the snapshot's date applies only before.
      await this.sql.query(
        `INSERT INTO obligation (id, agreement_id, funder_id, programme_id, grantee_id, requirement_id, kind, sequence, due_date, in_agreement)
         SELECT u.*, true FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], $6::uuid[], $7::text[], $8::int[], $9::date[])
           AS u(id, agreement_id, funder_id, programme_id, grantee_id, requirement_id, kind, sequence, due_date)
         ON CONFLICT (id) DO UPDATE SET agreement_id = EXCLUDED.agreement_id, funder_id = EXCLUDED.funder_id,
           programme_id = EXCLUDED.programme_id, grantee_id = EXCLUDED.grantee_id, requirement_id = EXCLUDED.requirement_id,
           kind = EXCLUDED.kind, sequence = EXCLUDED.sequence, in_agreement = true,
           due_date = CASE WHEN obligation.status IS NULL THEN EXCLUDED.due_date ELSE obligation.due_date END`,
        [
          obs.map((x) => x.o.id),
          obs.map((x) => x.d.agreementId),
          obs.map((x) => x.d.funderId),
          obs.map((x) => x.d.programmeId),
          obs.map((x) => x.d.grantee.id),
          obs.map((x) => x.o.requirementId),
          obs.map((x) => x.o.kind),
          obs.map((x) => x.o.sequence),
          obs.map((x) => x.o.dueDate),
        ],
      );
      // obligations an amendment dropped are flagged, not deleted: the report still shows one that already has a status
      const amended = newer.filter((s) => prev.has(s.data.agreementId));
      if (amended.length) {
        await this.sql.query(
          'UPDATE obligation SET in_agreement = false WHERE agreement_id = ANY($1::uuid[]) AND NOT (id = ANY($2::uuid[]))',
          [amended.map((s) => s.data.agreementId), amended.flatMap((s) => s.data.obligations.map((o) => o.id))],
        );
      }
    }
    return applied;
  }

  /** Marks the agreement terminated; returns its status before (null when the read model does not hold it). */
  async terminateAgreement(d: EventData<'agreement.terminated.v1'>): Promise<string | null> {
    const { rows } = await this.sql.query<{ status: string }>(
      `WITH prev AS (SELECT id, status FROM agreement WHERE id = $1 FOR UPDATE)
       UPDATE agreement a SET status = 'terminated', terminated_reason = $2, revision = GREATEST(a.revision, $3), updated_at = now()
       FROM prev WHERE a.id = prev.id RETURNING prev.status`,
      [d.agreementId, d.reason, d.revision],
    );
    return rows[0]?.status ?? null;
  }

  /**
   * Applies consecutive obligation transitions, one multi-row upsert per round. A transition applies
   * only if it is not older than the last one held (`status_at`), so a late redelivery cannot undo.
   */
  async applyTransitions(run: TransitionToApply[]): Promise<void> {
    for (const round of rounds(run, (t) => t.data.obligationId)) {
      const rows = round
        .map(({ data: d, at, late }) => ({ d, at, late, ev: d.to === 'fulfilled' ? d.evidence : undefined }))
        .sort((a, b) => a.d.obligationId.localeCompare(b.d.obligationId));
      await this.sql.query(
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
        [
          rows.map((r) => r.d.obligationId),
          rows.map((r) => r.d.agreementId),
          rows.map((r) => r.d.funderId),
          rows.map((r) => r.d.programmeId),
          rows.map((r) => r.d.granteeId),
          rows.map((r) => r.d.kind),
          rows.map((r) => r.d.dueDate),
          rows.map((r) => r.d.to),
          rows.map((r) => r.at),
          rows.map((r) => (r.d.to === 'fulfilled' ? r.at : null)),
          rows.map((r) => r.late),
          rows.map((r) => r.ev?.noteUrl ?? null),
          rows.map((r) => r.ev?.title ?? null),
          rows.map((r) => r.ev?.publishedOn ?? null),
        ],
      );
      const withdrawn = rows.filter((r) => r.d.to === 'evidence_withdrawn');
      if (withdrawn.length) {
        await this.sql.query(
          `INSERT INTO evidence_withdrawal (obligation_id, note_url, funder_id, agreement_id, reason, at)
           SELECT o.id, COALESCE(o.evidence_url, ''), o.funder_id, o.agreement_id, u.reason, u.at
           FROM unnest($1::uuid[], $2::text[], $3::timestamptz[]) AS u(id, reason, at) JOIN obligation o ON o.id = u.id
           ON CONFLICT (obligation_id, note_url) DO UPDATE SET at = GREATEST(evidence_withdrawal.at, EXCLUDED.at)`,
          [
            withdrawn.map((r) => r.d.obligationId),
            withdrawn.map((r) => r.d.reason ?? 'withdrawn'),
            withdrawn.map((r) => r.at),
          ],
        );
      }
    }
  }

  /** The funders of these agreements, each with its agreement ids in id order (funder order). */
  async agreementsByFunder(agreementIds: string[]): Promise<{ funderId: string; agreementIds: string[] }[]> {
    const { rows } = await this.sql.query<{ funder_id: string; ids: string[] }>(
      'SELECT funder_id, array_agg(id::text ORDER BY id) AS ids FROM agreement WHERE id = ANY($1::uuid[]) GROUP BY funder_id ORDER BY funder_id',
      [agreementIds],
    );
    return rows.map((r) => ({ funderId: r.funder_id, agreementIds: r.ids }));
  }

  /** Records a withdrawn note against every obligation it was evidence for; returns those obligations. */
  async withdrawNote(
    d: EventData<'praxis.note.withdrawn.v1'>,
    at: string,
  ): Promise<{ funderId: string; obligationId: string }[]> {
    const { rows } = await this.sql.query<{ funder_id: string; obligation_id: string }>(
      `INSERT INTO evidence_withdrawal (obligation_id, note_url, funder_id, agreement_id, reason, http_status, at)
       SELECT id, $1, funder_id, agreement_id, $2, $3, $4 FROM obligation WHERE evidence_url = $1
       ON CONFLICT (obligation_id, note_url) DO UPDATE SET reason = EXCLUDED.reason, http_status = EXCLUDED.http_status,
         at = GREATEST(evidence_withdrawal.at, EXCLUDED.at)
       RETURNING funder_id, obligation_id`,
      [d.noteUrl, d.reason, d.httpStatus, at],
    );
    return rows.map((r) => ({ funderId: r.funder_id, obligationId: r.obligation_id }));
  }

  /** A reminder reached the contact: a failure recorded before `at` is resolved. */
  async resolveContactFailure(funderId: string, contactRef: string, at: string): Promise<void> {
    await this.sql.query(
      'UPDATE contact_failure SET resolved_at = $3 WHERE funder_id = $1 AND contact_ref = $2 AND last_at < $3',
      [funderId, contactRef, at],
    );
  }

  /** A permanent delivery failure; the latest one (by `at`) names the reason and reopens a resolved address. */
  async recordContactFailure(d: EventData<'reminder.failed.v1'>, at: string): Promise<void> {
    await this.sql.query(
      `INSERT INTO contact_failure (funder_id, contact_ref, email, reason, failures, last_obligation_id, first_at, last_at)
       VALUES ($1, $2, $3, $4, 1, $5, $6, $6)
       ON CONFLICT (funder_id, contact_ref) DO UPDATE SET email = EXCLUDED.email, failures = contact_failure.failures + 1,
         reason = CASE WHEN EXCLUDED.last_at >= contact_failure.last_at THEN EXCLUDED.reason ELSE contact_failure.reason END,
         last_obligation_id = CASE WHEN EXCLUDED.last_at >= contact_failure.last_at THEN EXCLUDED.last_obligation_id ELSE contact_failure.last_obligation_id END,
         last_at = GREATEST(contact_failure.last_at, EXCLUDED.last_at),
         resolved_at = CASE WHEN EXCLUDED.last_at >= COALESCE(contact_failure.resolved_at, '-infinity') THEN NULL ELSE contact_failure.resolved_at END`,
      [d.funderId, d.contactRef, d.email, d.reason, d.obligationId, at],
    );
  }

  /**
   * Failing contacts recorded under the bare hash the notifier used before keyed pseudonyms (`p_…`)
   * take the keyed one, so a later reminder.sent (which names the contact by the keyed pseudonym)
   * resolves them and a later failure adds to them. Run at boot; a row already held under the keyed
   * pseudonym wins over its unkeyed twin. Returns the rows re-keyed.
   */
  static async rekeyContactFailures(pool: pg.Pool, pseudonym: (email: string) => string): Promise<number> {
    const { rows } = await pool.query<{ funder_id: string; contact_ref: string; email: string }>(
      `SELECT funder_id, contact_ref, email FROM contact_failure WHERE contact_ref LIKE 'p\\_%'`,
    );
    for (const r of rows) {
      await pool.query(
        `WITH keyed AS (SELECT 1 FROM contact_failure WHERE funder_id = $1 AND contact_ref = $3)
         UPDATE contact_failure SET contact_ref = $3 WHERE funder_id = $1 AND contact_ref = $2 AND NOT EXISTS (SELECT 1 FROM keyed)`,
        [r.funder_id, r.contact_ref, pseudonym(r.email)],
      );
      await pool.query(`DELETE FROM contact_failure WHERE funder_id = $1 AND contact_ref = $2`, [
        r.funder_id,
        r.contact_ref,
      ]);
    }
    return rows.length;
  }
}
