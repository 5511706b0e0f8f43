/**
 * Obligations: the rows, their reads as the public API shows them, and their row locks.
 *
 * Prisma where a statement reaches one obligation (or one agreement's) by key; plain SQL for the
 * row locks (`FOR UPDATE`, which Prisma does not express) and for the lists, which join the
 * agreement and page on the row value `(due_date, id)` so the (owner, due_date, id) indexes serve
 * the keyset.
 */
import { obligationKind } from '@pc/contracts';
import { OPEN, type ObligationRef, type ObligationStatus } from '../domain/lifecycle';
import { encodeCursor, type Keyset } from '../domain/cursor';
import type { Obligation } from '../generated/prisma/client';
import { fromDbDate, toDbDate, type Db, type Tx } from './prisma';

export type { Obligation };

/** An obligation as the public API shows it (contract: Obligation). */
export interface ObligationView {
  id: string;
  agreementId: string;
  funderId: string;
  /** the funder's name (funder.registered.v1); null until that event has arrived */
  funderName: string | null;
  granteeId: string;
  programmeCode: string;
  externalRef: string;
  referenceCode: string;
  agreementTitle: string;
  kind: string;
  sequence: number;
  dueDate: string;
  status: string;
  fulfilledAt: string | null;
  late: boolean | null;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/** The columns of an obligation joined with its agreement, as every read of them selects them. */
export interface ObligationRow {
  id: string;
  agreement_id: string;
  funder_id: string;
  grantee_id: string;
  programme_code: string;
  external_ref: string;
  reference_code: string;
  title: string;
  kind: string;
  sequence: number;
  due_date: string;
  status: string;
  fulfilled_at: Date | null;
  late: boolean | null;
}

interface Row extends ObligationRow {
  funder_name: string | null;
  updated_at: Date;
}

// The funder's name by its key (LEFT JOIN: an obligation whose funder's event has not arrived is still shown).
const SELECT = `SELECT o.id, o.agreement_id, o.funder_id, f.name AS funder_name, o.grantee_id, a.programme_code, a.external_ref, a.reference_code, a.title,
  o.kind, o.sequence, to_char(o.due_date, 'YYYY-MM-DD') AS due_date, o.status, o.fulfilled_at, o.late, o.updated_at
  FROM obligation o JOIN agreement a ON a.id = o.agreement_id LEFT JOIN funder f ON f.id = o.funder_id`;

/** The view's fields an obligation row holds (each read adds its own: the funder's name, the grantee's). */
export const obligationFields = (r: ObligationRow): Omit<ObligationView, 'funderName'> => ({
  id: r.id,
  agreementId: r.agreement_id,
  funderId: r.funder_id,
  granteeId: r.grantee_id,
  programmeCode: r.programme_code,
  externalRef: r.external_ref,
  referenceCode: r.reference_code,
  agreementTitle: r.title,
  kind: r.kind,
  sequence: r.sequence,
  dueDate: r.due_date,
  status: r.status,
  fulfilledAt: r.fulfilled_at ? r.fulfilled_at.toISOString() : null,
  late: r.late,
});

const toView = (r: Row): ObligationView => ({ ...obligationFields(r), funderName: r.funder_name });

/** One obligation with its agreement's public fields; null when there is none. */
export async function findObligationView(db: Db, id: string): Promise<ObligationView | null> {
  const rows = await db.$queryRawUnsafe<Row[]>(`${SELECT} WHERE o.id = $1::uuid`, id);
  return rows[0] ? toView(rows[0]) : null;
}

/** The same, with its agreement's contacts' emails (who among contacts may read it); never answered as is. */
export async function findObligationForAccess(
  db: Db,
  id: string,
): Promise<{ view: ObligationView; funderId: string; granteeId: string; contactEmails: string[] } | null> {
  const rows = await db.$queryRawUnsafe<Array<Row & { contact_emails: string[] | null }>>(
    `${SELECT.replace('FROM obligation', ', a.contact_emails FROM obligation')} WHERE o.id = $1::uuid`,
    id,
  );
  const r = rows[0];
  if (!r) return null;
  const view = toView(r);
  return { view, funderId: view.funderId, granteeId: view.granteeId, contactEmails: r.contact_emails ?? [] };
}

/** Whose obligations a list shows: some funders' (a funder's own, an auditor's scope), one grantee's, or one contact's. */
export type ListScope = { funderIds: string[] } | { granteeId: string } | { contactEmail: string };

/** The condition of a scope on `o` (obligation) and `a` (agreement), its value as parameter `n`. */
function scopeWhere(scope: ListScope, n: number): { sql: string; value: unknown } {
  if ('funderIds' in scope) return { sql: `o.funder_id = ANY($${n}::uuid[])`, value: scope.funderIds };
  if ('granteeId' in scope) return { sql: `o.grantee_id = $${n}::uuid`, value: scope.granteeId };
  // `@>` on the GIN index of contact_emails
  return { sql: `a.contact_emails @> ARRAY[$${n}::text]`, value: scope.contactEmail };
}

export interface ListFilters {
  status?: string;
  programme?: string;
  dueBefore?: string;
  dueAfter?: string;
  agreementId?: string;
}

/** One page of a scope, by due date then id; dueBefore/dueAfter are inclusive. */
export async function pageObligations(
  db: Db,
  scope: ListScope,
  f: ListFilters,
  limit: number,
  after: Keyset | null,
): Promise<Page<ObligationView>> {
  const params: unknown[] = [];
  const where: string[] = [];
  const add = (sql: (n: number) => string, v: unknown): void => {
    params.push(v);
    where.push(sql(params.length));
  };
  const owner = scopeWhere(scope, 1); // the first parameter
  params.push(owner.value);
  where.push(owner.sql);
  if (f.status) add((n) => `o.status = $${n}`, f.status);
  if (f.programme) add((n) => `a.programme_code = $${n}`, f.programme);
  if (f.dueBefore) add((n) => `o.due_date <= $${n}::date`, f.dueBefore);
  if (f.dueAfter) add((n) => `o.due_date >= $${n}::date`, f.dueAfter);
  if (f.agreementId) add((n) => `o.agreement_id = $${n}::uuid`, f.agreementId);
  if (after) {
    params.push(...after);
    where.push(`(o.due_date, o.id) > ($${params.length - 1}::date, $${params.length}::uuid)`);
  }
  params.push(limit + 1);
  const rows = await db.$queryRawUnsafe<Row[]>(
    `${SELECT} WHERE ${where.join(' AND ')} ORDER BY o.due_date, o.id LIMIT $${params.length}`,
    ...params,
  );
  const more = rows.length > limit;
  const data = rows.slice(0, limit);
  const last = data[data.length - 1];
  return { data: data.map(toView), nextCursor: more && last ? encodeCursor(last.due_date, last.id) : null };
}

/** Open obligations of a grantee or a contact, for its calendar feed (with when each last changed). */
export async function openObligationsOfOwner(
  db: Db,
  scope: { granteeId: string } | { contactEmail: string },
): Promise<(ObligationView & { updatedAt: Date })[]> {
  const w = scopeWhere(scope, 1);
  const rows = await db.$queryRawUnsafe<Row[]>(
    `${SELECT} WHERE ${w.sql} AND o.status = ANY($2::text[]) ORDER BY o.due_date, o.id`,
    w.value,
    [...OPEN],
  );
  return rows.map((r) => ({ ...toView(r), updatedAt: r.updated_at }));
}

/** The obligation with its transitions, evidence and reminders (and what the notifier reported of each). */
export async function obligationDetail(db: Db, o: ObligationView): Promise<Record<string, unknown>> {
  const [transitions, evidence, reminders, deliveries] = await Promise.all([
    db.transition.findMany({ where: { obligationId: o.id }, orderBy: [{ at: 'asc' }, { seq: 'asc' }] }),
    db.evidence.findMany({ where: { obligationId: o.id }, orderBy: { createdAt: 'asc' } }),
    db.reminder.findMany({ where: { obligationId: o.id }, orderBy: { offsetDays: 'asc' } }),
    db.reminderDelivery.findMany({ where: { obligationId: o.id }, orderBy: { at: 'asc' } }),
  ]);
  const day = (d: Date | null): string | null => (d ? d.toISOString().slice(0, 10) : null);
  return {
    ...o,
    transitions: transitions.map((t) => ({
      from: t.fromStatus,
      to: t.toStatus,
      at: t.at.toISOString(),
      reason: t.reason,
      actor: { kind: t.actorKind, id: t.actorId },
      dueDate: day(t.dueDate),
      previousDueDate: day(t.previousDueDate),
    })),
    evidence: evidence.map((e) => ({
      noteUrl: e.noteUrl,
      noteId: e.noteId,
      title: e.title,
      publishedOn: day(e.publishedOn),
      late: e.late,
      source: e.source,
      verifiedAt: e.verifiedAt.toISOString(),
      withdrawnAt: e.withdrawnAt?.toISOString() ?? null,
      withdrawnReason: e.withdrawnReason,
    })),
    reminders: reminders.map((m) => ({
      reminderId: m.id,
      stageKey: m.stageKey,
      offsetDays: m.offsetDays,
      escalate: m.escalate,
      status: m.status,
      runId: m.runId,
      asOf: day(m.asOf),
      deliveries: deliveries
        .filter((d) => d.reminderId === m.id)
        .map((d) => ({
          contactRef: d.contactRef,
          outcome: d.outcome,
          at: d.at.toISOString(),
          messageId: d.messageId,
          reason: d.reason,
          permanent: d.permanent,
        })),
    })),
  };
}

/** The obligation with its agreement (a declaration needs the agreement's dates and codes). */
export function findObligationWithAgreement(db: Db, id: string) {
  return db.obligation.findUnique({ where: { id }, include: { agreement: true } });
}

export function obligationById(tx: Tx, id: string): Promise<Obligation> {
  return tx.obligation.findUniqueOrThrow({ where: { id } });
}

/** Locks one obligation for the rest of the transaction; null when there is none. */
export async function lockObligation(tx: Tx, id: string): Promise<{ id: string; status: string } | null> {
  const rows = await tx.$queryRawUnsafe<{ id: string; status: string }[]>(
    'SELECT id, status FROM obligation WHERE id = $1::uuid FOR UPDATE',
    id,
  );
  return rows[0] ?? null;
}

/** Locks a funder's obligation and reads it; null for any other tenant's (or none). */
export async function lockFundersObligation(tx: Tx, funderId: string, id: string): Promise<Obligation | null> {
  const rows = await tx.$queryRawUnsafe<{ id: string }[]>(
    'SELECT id FROM obligation WHERE id = $1::uuid AND funder_id = $2::uuid FOR UPDATE',
    id,
    funderId,
  );
  if (!rows[0]) return null;
  return tx.obligation.findUniqueOrThrow({ where: { id } });
}

/** Locks the open obligation of an agreement a new note fulfils: earliest due date first, then sequence. */
export async function lockFirstOpen(tx: Tx, agreementId: string): Promise<{ id: string; status: string } | null> {
  const rows = await tx.$queryRawUnsafe<{ id: string; status: string }[]>(
    `SELECT id, status FROM obligation WHERE agreement_id = $1::uuid AND status = ANY($2::text[])
     ORDER BY due_date, sequence, id LIMIT 1 FOR UPDATE`,
    agreementId,
    [...OPEN],
  );
  return rows[0] ?? null;
}

/** The obligations of an agreement, all of them or those in `statuses`. */
export function obligationsOfAgreement(
  tx: Tx,
  agreementId: string,
  statuses?: readonly ObligationStatus[],
): Promise<Obligation[]> {
  return tx.obligation.findMany({ where: { agreementId, ...(statuses ? { status: { in: [...statuses] } } : {}) } });
}

export interface Owners {
  funderId: string;
  programmeId: string;
  granteeId: string;
}

/** The denormalised owner columns of an agreement's obligations follow the agreement. */
export async function setOwners(tx: Tx, agreementId: string, owners: Owners): Promise<void> {
  await tx.obligation.updateMany({ where: { agreementId }, data: owners });
}

export interface NewObligation extends Owners {
  id: string;
  agreementId: string;
  requirementId: string;
  kind: string;
  sequence: number;
  dueDate: string;
  status: ObligationStatus;
  at: Date;
}

/** A new obligation; its derived due date is its due date until a funder extends it. */
export async function createObligation(tx: Tx, o: NewObligation): Promise<void> {
  const { dueDate, at, ...rest } = o;
  await tx.obligation.create({
    data: { ...rest, dueDate: toDbDate(dueDate), derivedDueDate: toDbDate(dueDate), updatedAt: at },
  });
}

/** The columns a change may set (dates as calendar days); `updatedAt` only when the obligation itself moved. */
export interface ObligationChange {
  requirementId?: string;
  kind?: string;
  sequence?: number;
  derivedDueDate?: string;
  dueDate?: string;
  status?: ObligationStatus;
  fulfilledAt?: Date;
  late?: boolean;
  updatedAt?: Date;
}

export async function updateObligation(tx: Tx, id: string, change: ObligationChange): Promise<void> {
  const { derivedDueDate, dueDate, ...rest } = change;
  await tx.obligation.update({
    where: { id },
    data: {
      ...rest,
      ...(derivedDueDate !== undefined ? { derivedDueDate: toDbDate(derivedDueDate) } : {}),
      ...(dueDate !== undefined ? { dueDate: toDbDate(dueDate) } : {}),
    },
  });
}

export async function cancelObligations(tx: Tx, ids: string[], at: Date): Promise<void> {
  await tx.obligation.updateMany({ where: { id: { in: ids } }, data: { status: 'cancelled', updatedAt: at } });
}

/** The ref of an obligation row (its kind column is text: checked against the catalog's kinds). */
export function refOf(o: {
  id: string;
  agreementId: string;
  funderId: string;
  programmeId: string;
  granteeId: string;
  kind: string;
  dueDate: Date;
}): ObligationRef {
  return {
    id: o.id,
    agreementId: o.agreementId,
    funderId: o.funderId,
    programmeId: o.programmeId,
    granteeId: o.granteeId,
    kind: obligationKind.parse(o.kind),
    dueDate: fromDbDate(o.dueDate),
  };
}

/** An open obligation as a batch of notes sees it (locked, with what its transition announces). */
export interface OpenObligation extends ObligationRef {
  status: ObligationStatus;
  sequence: number;
}

/**
 * Locks the open obligations of these agreements (id order) and returns them in the order a new
 * note takes them within each agreement: earliest due date, then sequence, then id — the order of
 * `lockFirstOpen`.
 */
export async function lockOpenOfAgreements(tx: Db, agreementIds: readonly string[]): Promise<OpenObligation[]> {
  if (agreementIds.length === 0) return [];
  const rows = await tx.$queryRawUnsafe<
    Array<{
      id: string;
      agreement_id: string;
      funder_id: string;
      programme_id: string;
      grantee_id: string;
      kind: string;
      sequence: number;
      due_date: string;
      status: string;
    }>
  >(
    `WITH locked AS (
       SELECT id, agreement_id, funder_id, programme_id, grantee_id, kind, sequence, due_date, status FROM obligation
       WHERE agreement_id = ANY($1::uuid[]) AND status = ANY($2::text[]) ORDER BY id FOR UPDATE)
     SELECT id, agreement_id, funder_id, programme_id, grantee_id, kind, sequence, to_char(due_date, 'YYYY-MM-DD') AS due_date, status
     FROM locked ORDER BY agreement_id, due_date, sequence, id`,
    [...agreementIds],
    [...OPEN],
  );
  return rows.map((r) => ({
    id: r.id,
    agreementId: r.agreement_id,
    funderId: r.funder_id,
    programmeId: r.programme_id,
    granteeId: r.grantee_id,
    kind: obligationKind.parse(r.kind),
    dueDate: r.due_date,
    sequence: r.sequence,
    status: r.status as ObligationStatus,
  }));
}

/** Obligations fulfilled by notes, one statement (what `updateObligation` sets on each fulfilment). */
export async function fulfilObligations(
  tx: Db,
  rows: ReadonlyArray<{ id: string; fulfilledAt: string; late: boolean }>,
  at: Date,
): Promise<void> {
  if (rows.length === 0) return;
  await tx.$executeRawUnsafe(
    `UPDATE obligation o SET status = 'fulfilled', fulfilled_at = u.fulfilled_at, late = u.late, updated_at = $4::timestamptz
     FROM unnest($1::uuid[], $2::timestamptz[], $3::boolean[]) AS u(id, fulfilled_at, late) WHERE o.id = u.id`,
    rows.map((r) => r.id),
    rows.map((r) => new Date(r.fulfilledAt).toISOString()),
    rows.map((r) => r.late),
    at.toISOString(),
  );
}
