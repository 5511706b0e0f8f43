/**
 * Agreement snapshots applied in bulk: what a burst (a CSV import on the agreements side) needs.
 * Plain SQL, set-based: the stored revisions of a whole batch read and locked in one statement, and
 * agreements this service has never seen created with their obligations, first transitions and
 * obligation.transitioned.v1 events in one statement (`jsonb_to_recordset` + CTEs), whatever the
 * size of the batch. The per-agreement path (`agreement-store`, `obligation-store`,
 * `transition-store`) keeps everything else; the two write the same rows and events, which
 * `test/snapshot-batch.test.ts` holds them to.
 */
import type { SqlTx } from '@pc/bus';
import type { ObligationStatus, Actor } from '../domain/lifecycle';
import type { Snapshot } from './agreement-store';

/** Locks the stored rows of these agreements (id order: two batches never wait on each other crosswise); answers the ids found. */
export async function lockAgreements(tx: SqlTx, ids: readonly string[]): Promise<Set<string>> {
  const rows = await tx.$queryRawUnsafe<{ id: string }[]>(
    'SELECT id FROM agreement WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE',
    [...ids],
  );
  return new Set(rows.map((r) => r.id));
}

/** A snapshot of an agreement not stored yet, each obligation with the status it starts in. */
export interface NewAgreement {
  snapshot: Snapshot;
  statuses: ObligationStatus[];
  reason: string;
  actor: Actor;
}

/**
 * One statement: the agreements (active, at the snapshot's revision), their obligations (derived due
 * date = due date), one transition from null per obligation and its obligation.transitioned.v1, whose
 * payload is built here in SQL exactly as `recordTransitions` builds it in TypeScript (checked
 * against the catalog by tests/contracts/outbox-events.test.ts). `at` is the moment of the change.
 */
const CREATE_SQL = `
WITH src AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS s(
    id uuid, funder_id uuid, programme_id uuid, programme_code text, external_ref text, reference_code text, title text,
    start_date date, end_date date, grantee_id uuid, grantee_name text, grantee_neq text, contacts jsonb, revision int,
    reason text, actor_kind text, actor_id text, obligations jsonb)
), ag AS (
  INSERT INTO agreement (id, funder_id, programme_id, programme_code, external_ref, reference_code, title, start_date,
    end_date, grantee_id, grantee_name, grantee_neq, contacts, contact_emails, revision, status, updated_at)
  SELECT id, funder_id, programme_id, programme_code, external_ref, reference_code, title, start_date,
    end_date, grantee_id, grantee_name, grantee_neq, contacts,
    ARRAY(SELECT lower(c->>'email') FROM jsonb_array_elements(contacts) c), revision, 'active', now() FROM src
  RETURNING id
), obs AS (
  SELECT o.id, s.id AS agreement_id, s.funder_id, s.programme_id, s.grantee_id, o.requirement_id, o.kind, o.sequence,
    o.due_date, o.status, s.reason, s.actor_kind, s.actor_id
  FROM src s CROSS JOIN LATERAL jsonb_to_recordset(s.obligations) AS o(
    id uuid, requirement_id uuid, kind text, sequence int, due_date date, status text)
), ob AS (
  INSERT INTO obligation (id, agreement_id, funder_id, programme_id, grantee_id, requirement_id, kind, sequence,
    due_date, derived_due_date, status, updated_at)
  SELECT id, agreement_id, funder_id, programme_id, grantee_id, requirement_id, kind, sequence,
    due_date, due_date, status, $2::timestamptz FROM obs
  RETURNING id
), tr AS (
  INSERT INTO transition (id, obligation_id, from_status, to_status, due_date, reason, actor_kind, actor_id, at)
  SELECT gen_random_uuid(), id, NULL, status, due_date, reason, actor_kind, actor_id, $2::timestamptz FROM obs
  RETURNING id, obligation_id
), ev AS (
  INSERT INTO outbox (id, type, subject, data)
  SELECT tr.id, 'obligation.transitioned.v1', o.id::text, jsonb_build_object(
    'obligationId', o.id, 'agreementId', o.agreement_id, 'funderId', o.funder_id, 'programmeId', o.programme_id,
    'granteeId', o.grantee_id, 'kind', o.kind, 'dueDate', to_char(o.due_date, 'YYYY-MM-DD'),
    'from', NULL, 'to', o.status, 'reason', o.reason, 'at', $3::text,
    'actor', jsonb_build_object('kind', o.actor_kind, 'id', o.actor_id))
  FROM tr JOIN obs o ON o.id = tr.obligation_id
  RETURNING 1
)
SELECT (SELECT count(*) FROM ag)::int AS agreements, (SELECT count(*) FROM ob)::int AS obligations,
       (SELECT count(*) FROM ev)::int AS events`;

/** Creates agreements this service does not know yet, with their obligations, transitions and events. */
export async function createAgreements(tx: SqlTx, agreements: readonly NewAgreement[], at: Date): Promise<void> {
  if (agreements.length === 0) return;
  const rows = agreements.map(({ snapshot: d, statuses, reason, actor }) => ({
    id: d.agreementId,
    funder_id: d.funderId,
    programme_id: d.programmeId,
    programme_code: d.programmeCode,
    external_ref: d.externalRef,
    reference_code: d.referenceCode,
    title: d.title,
    start_date: d.startDate,
    end_date: d.endDate,
    grantee_id: d.grantee.id,
    grantee_name: d.grantee.name,
    grantee_neq: d.grantee.neq,
    contacts: d.contacts,
    revision: d.revision,
    reason,
    actor_kind: actor.kind,
    actor_id: actor.id,
    obligations: d.obligations.map((o, i) => ({
      id: o.id,
      requirement_id: o.requirementId,
      kind: o.kind,
      sequence: o.sequence,
      due_date: o.dueDate,
      status: statuses[i],
    })),
  }));
  await tx.$queryRawUnsafe(CREATE_SQL, JSON.stringify(rows), at.toISOString(), at.toISOString());
}
