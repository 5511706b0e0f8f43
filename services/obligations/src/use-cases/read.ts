import { AppError, invalid, isCalendarDate, notFound, readableFunders, requireRole, type Principal, fieldError } from '@pc/service-kit';
import { OPEN } from '../domain/lifecycle';
import type { PrismaClient, Tx } from '../adapters/prisma';

/** An obligation as the public API shows it (contract: Obligation). */
export interface ObligationView {
  id: string; agreementId: string; funderId: string; granteeId: string; programmeCode: string; externalRef: string;
  referenceCode: string; agreementTitle: string; kind: string; sequence: number; dueDate: string; status: string;
  fulfilledAt: string | null; late: boolean | null;
}

interface Row {
  id: string; agreement_id: string; funder_id: string; grantee_id: string; programme_code: string; external_ref: string;
  reference_code: string; title: string; kind: string; sequence: number; due_date: string; status: string;
  fulfilled_at: Date | null; late: boolean | null; updated_at: Date;
}

const SELECT = `SELECT o.id, o.agreement_id, o.funder_id, o.grantee_id, a.programme_code, a.external_ref, a.reference_code, a.title,
  o.kind, o.sequence, to_char(o.due_date, 'YYYY-MM-DD') AS due_date, o.status, o.fulfilled_at, o.late, o.updated_at
  FROM obligation o JOIN agreement a ON a.id = o.agreement_id`;

export const toView = (r: Row): ObligationView => ({
  id: r.id, agreementId: r.agreement_id, funderId: r.funder_id, granteeId: r.grantee_id, programmeCode: r.programme_code,
  externalRef: r.external_ref, referenceCode: r.reference_code, agreementTitle: r.title, kind: r.kind, sequence: r.sequence,
  dueDate: r.due_date, status: r.status, fulfilledAt: r.fulfilled_at ? r.fulfilled_at.toISOString() : null, late: r.late,
});

type Db = PrismaClient | Tx;

export interface Page<T> { data: T[]; nextCursor: string | null }

/** Opaque keyset cursor over (due date, id). */
function encodeCursor(r: Row): string { return Buffer.from(JSON.stringify([r.due_date, r.id])).toString('base64url'); }
function decodeCursor(c: string): [string, string] {
  try {
    const v = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && isCalendarDate(v[0])
      && typeof v[1] === 'string' && /^[0-9a-f-]{36}$/.test(v[1])) return [v[0], v[1]];
  } catch { /* fall through */ }
  throw invalid([fieldError('cursor', { fr: "n'est pas un curseur rendu par cette API", en: 'is not a cursor this API returned' })]);
}

async function page(db: Db, where: string[], params: unknown[], limit: number, cursor: string | undefined): Promise<Page<ObligationView>> {
  if (cursor) {
    const [d, id] = decodeCursor(cursor);
    params.push(d, id);
    where.push(`(o.due_date, o.id) > ($${params.length - 1}::date, $${params.length}::uuid)`);
  }
  params.push(limit + 1);
  const rows = await db.$queryRawUnsafe<Row[]>(
    `${SELECT} WHERE ${where.join(' AND ')} ORDER BY o.due_date, o.id LIMIT $${params.length}`, ...params);
  const more = rows.length > limit;
  const data = rows.slice(0, limit);
  return { data: data.map(toView), nextCursor: more ? encodeCursor(data[data.length - 1]!) : null };
}

export interface ListFilters { status?: string; programme?: string; dueBefore?: string; dueAfter?: string; agreementId?: string; limit?: number; cursor?: string }

function checkDates(f: ListFilters): void {
  const errors = (['dueBefore', 'dueAfter'] as const)
    .filter((k) => f[k] !== undefined && !isCalendarDate(f[k]!))
    .map((k) => fieldError(k, { fr: 'doit être une date du calendrier AAAA-MM-JJ', en: 'must be a calendar date YYYY-MM-DD' }));
  if (errors.length) throw invalid(errors);
}

/** GET /v1/obligations: a funder's own, an auditor's scope. dueBefore/dueAfter are inclusive. */
export async function listObligations(db: Db, p: Principal, f: ListFilters): Promise<Page<ObligationView>> {
  requireRole(p, 'funder', 'auditor');
  checkDates(f);
  const params: unknown[] = [readableFunders(p)];
  const where = ['o.funder_id = ANY($1::uuid[])'];
  const add = (sql: (n: number) => string, v: unknown): void => { params.push(v); where.push(sql(params.length)); };
  if (f.status) add((n) => `o.status = $${n}`, f.status);
  if (f.programme) add((n) => `a.programme_code = $${n}`, f.programme);
  if (f.dueBefore) add((n) => `o.due_date <= $${n}::date`, f.dueBefore);
  if (f.dueAfter) add((n) => `o.due_date >= $${n}::date`, f.dueAfter);
  if (f.agreementId) add((n) => `o.agreement_id = $${n}::uuid`, f.agreementId);
  return page(db, where, params, f.limit ?? 50, f.cursor);
}

/** GET /v1/me/obligations: every obligation of the calling grantee, across all funders. */
export async function myObligations(db: Db, p: Principal, limit = 50, cursor?: string): Promise<Page<ObligationView>> {
  const granteeId = granteeOf(p);
  return page(db, ['o.grantee_id = $1::uuid'], [granteeId], limit, cursor);
}

export function granteeOf(p: Principal): string {
  requireRole(p, 'grantee');
  if (!p.granteeId) throw new AppError('forbidden', 'this grantee key names no grantee');
  return p.granteeId;
}

/** Open obligations of a grantee for its calendar feed. */
export async function openObligationsOfGrantee(db: Db, granteeId: string): Promise<(ObligationView & { updatedAt: Date })[]> {
  const rows = await db.$queryRawUnsafe<Row[]>(
    `${SELECT} WHERE o.grantee_id = $1::uuid AND o.status = ANY($2::text[]) ORDER BY o.due_date, o.id`, granteeId, [...OPEN]);
  return rows.map((r) => ({ ...toView(r), updatedAt: r.updated_at }));
}

/** May this caller see this obligation? Funder/auditor in scope, or the owning grantee; else it does not exist (404). */
export function canRead(p: Principal, o: { funder_id: string; grantee_id: string }): boolean {
  if (p.role === 'grantee') return p.granteeId !== null && p.granteeId === o.grantee_id;
  if (p.role === 'funder' || p.role === 'auditor') return readableFunders(p).includes(o.funder_id);
  return false;
}

export async function findVisible(db: Db, p: Principal, id: string): Promise<Row> {
  const rows = await db.$queryRawUnsafe<Row[]>(`${SELECT} WHERE o.id = $1::uuid`, id);
  const r = rows[0];
  if (!r || !canRead(p, r)) throw notFound('obligation');
  return r;
}

/** GET /v1/obligations/{id}: with transitions, evidence and reminders (and what the notifier reported). */
export async function obligationDetail(db: Db, p: Principal, id: string): Promise<Record<string, unknown>> {
  const r = await findVisible(db, p, id);
  return detailOf(db, r);
}

export async function detailOf(db: Db, r: Row): Promise<Record<string, unknown>> {
  const [transitions, evidence, reminders, deliveries] = await Promise.all([
    db.transition.findMany({ where: { obligationId: r.id }, orderBy: [{ at: 'asc' }, { seq: 'asc' }] }),
    db.evidence.findMany({ where: { obligationId: r.id }, orderBy: { createdAt: 'asc' } }),
    db.reminder.findMany({ where: { obligationId: r.id }, orderBy: { offsetDays: 'asc' } }),
    db.reminderDelivery.findMany({ where: { obligationId: r.id }, orderBy: { at: 'asc' } }),
  ]);
  const day = (d: Date | null): string | null => (d ? d.toISOString().slice(0, 10) : null);
  return {
    ...toView(r),
    transitions: transitions.map((t) => ({
      from: t.fromStatus, to: t.toStatus, at: t.at.toISOString(), reason: t.reason,
      actor: { kind: t.actorKind, id: t.actorId }, dueDate: day(t.dueDate), previousDueDate: day(t.previousDueDate),
    })),
    evidence: evidence.map((e) => ({
      noteUrl: e.noteUrl, noteId: e.noteId, title: e.title, publishedOn: day(e.publishedOn), late: e.late, source: e.source,
      verifiedAt: e.verifiedAt.toISOString(), withdrawnAt: e.withdrawnAt?.toISOString() ?? null, withdrawnReason: e.withdrawnReason,
    })),
    reminders: reminders.map((m) => ({
      reminderId: m.id, stageKey: m.stageKey, offsetDays: m.offsetDays, escalate: m.escalate, status: m.status,
      runId: m.runId, asOf: day(m.asOf),
      deliveries: deliveries.filter((d) => d.reminderId === m.id).map((d) => ({
        contactRef: d.contactRef, outcome: d.outcome, at: d.at.toISOString(), messageId: d.messageId, reason: d.reason, permanent: d.permanent,
      })),
    })),
  };
}
