/**
 * The agreement aggregate (agreement, contacts, requirements, obligations, history), reached by key
 * through Prisma: one agreement found or locked with its children, the writes of an amendment and of
 * a termination, one page of a list, and the obligation status read model. New agreements are
 * written in bulk by intake-store.ts (COPY), the one path for a single POST and a CSV file.
 */
import crypto from 'node:crypto';
import type { Prisma } from '../generated/prisma/client';
import type { Contact, ObligationKind, RequirementSpec } from '../domain/agreement';
import type { SqlTx } from '@pc/bus';
import { afterCursor, type PageRequest, type Tx } from './prisma';

export const agreementInclude = {
  programme: { select: { code: true } },
  grantee: true,
  contacts: { orderBy: { position: 'asc' } },
  requirements: { where: { retired: false }, orderBy: { position: 'asc' } },
  obligations: { where: { retired: false }, orderBy: [{ requirement: { position: 'asc' } }, { sequence: 'asc' }] },
} satisfies Prisma.AgreementInclude;

export type AgreementRow = Prisma.AgreementGetPayload<{ include: typeof agreementInclude }>;
export type HistoryRow = Prisma.AgreementHistoryGetPayload<object>;
export type ObligationRow = Prisma.ObligationGetPayload<object>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A calendar date as the Date of a `date` column. */
const asDate = (s: string): Date => new Date(`${s}T00:00:00.000Z`);
/** Plain JSON for a Json column (drops undefined members). */
const json = (v: unknown): Prisma.InputJsonObject => JSON.parse(JSON.stringify(v)) as Prisma.InputJsonObject;

/**
 * The agreement with its children, row-locked until the transaction ends (amendments and
 * termination of one agreement apply one after the other). Null when it is not this funder's
 * (or the id is not a UUID: no row can have it).
 */
export async function lockAgreement(tx: Tx, id: string, funderId: string): Promise<AgreementRow | null> {
  if (!UUID.test(id)) return null;
  const locked = await tx.$queryRawUnsafe<Array<{ id: string }>>(
    'SELECT id FROM agreement WHERE id = $1::uuid AND funder_id = $2::uuid FOR UPDATE',
    id,
    funderId,
  );
  if (locked.length === 0) return null;
  return tx.agreement.findUniqueOrThrow({ where: { id }, include: agreementInclude });
}

/** The agreement with its children when one of these funders owns it. */
export async function findAgreement(db: Tx, id: string, funders: string[]): Promise<AgreementRow | null> {
  if (!UUID.test(id)) return null;
  return db.agreement.findFirst({ where: { id, funderId: { in: funders } }, include: agreementInclude });
}

export function agreementById(db: Tx, id: string): Promise<AgreementRow> {
  return db.agreement.findUniqueOrThrow({ where: { id }, include: agreementInclude });
}

export function historyOf(db: Tx, agreementId: string): Promise<HistoryRow[]> {
  return db.agreementHistory.findMany({ where: { agreementId }, orderBy: { revision: 'asc' } });
}

export interface AgreementFilter {
  programme?: string;
  status?: string;
  granteeNeq?: string;
}

/** One page (and one row more, to tell whether another page follows) of the funders' agreements. */
export function agreementPage(
  db: Tx,
  funders: string[],
  filter: AgreementFilter,
  page: PageRequest,
): Promise<AgreementRow[]> {
  const where: Prisma.AgreementWhereInput = {
    funderId: { in: funders },
    ...afterCursor(page.after),
    ...(filter.programme !== undefined ? { programme: { code: filter.programme } } : {}),
    ...(filter.status !== undefined ? { status: filter.status } : {}),
    ...(filter.granteeNeq !== undefined ? { grantee: { neq: filter.granteeNeq } } : {}),
  };
  return db.agreement.findMany({
    where,
    include: agreementInclude,
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    take: page.limit + 1,
  });
}

/**
 * Writes the agreement's new requirement list and returns their ids in list order. A requirement's
 * identity is its position: the row at that position is updated (same id, so its obligations keep
 * theirs), a new position gets a new row, and rows beyond the new list are retired, not deleted.
 */
export async function replaceRequirements(
  tx: Tx,
  agreementId: string,
  requirements: RequirementSpec[],
): Promise<string[]> {
  const all = await tx.requirement.findMany({ where: { agreementId }, orderBy: { position: 'asc' } });
  const ids: string[] = [];
  for (const [position, r] of requirements.entries()) {
    const existing = all.find((x) => x.position === position);
    const data = {
      kind: r.kind,
      count: r.count,
      retired: false,
      dueAnchor: 'anchor' in r.due ? r.due.anchor : null,
      dueOffset: 'offset' in r.due ? r.due.offset : null,
      dueDate: 'date' in r.due ? asDate(r.due.date) : null,
    };
    const id = existing?.id ?? crypto.randomUUID();
    if (existing) await tx.requirement.update({ where: { id }, data });
    else await tx.requirement.create({ data: { ...data, id, agreementId, position } });
    ids.push(id);
  }
  await tx.requirement.updateMany({
    where: { agreementId, position: { gte: requirements.length } },
    data: { retired: true },
  });
  return ids;
}

/** Every obligation of the agreement, retired ones included (an amendment may revive them). */
export function obligationsOf(tx: Tx, agreementId: string): Promise<ObligationRow[]> {
  return tx.obligation.findMany({ where: { agreementId } });
}

type DatedObligation = { id: string; kind: ObligationKind; dueDate: string; status: string };

export interface ObligationWrites {
  /** open obligations given a new date or kind (an extension recorded beside the old date is dropped) */
  changed: DatedObligation[];
  /** retired rows required again, with the same id */
  revived: DatedObligation[];
  retired: string[];
  added: Array<{ requirementId: string; sequence: number; kind: ObligationKind; dueDate: string; status: string }>;
}

export async function writeObligations(tx: Tx, agreementId: string, w: ObligationWrites, now: Date): Promise<void> {
  for (const c of w.changed) {
    await tx.obligation.update({
      where: { id: c.id },
      data: { kind: c.kind, dueDate: asDate(c.dueDate), currentDueDate: null, status: c.status, statusAt: now },
    });
  }
  for (const r of w.revived) {
    await tx.obligation.update({
      where: { id: r.id },
      data: {
        kind: r.kind,
        dueDate: asDate(r.dueDate),
        currentDueDate: null,
        retired: false,
        status: r.status,
        statusAt: now,
      },
    });
  }
  if (w.retired.length > 0)
    await tx.obligation.updateMany({ where: { id: { in: w.retired } }, data: { retired: true, statusAt: now } });
  if (w.added.length > 0) {
    await tx.obligation.createMany({
      data: w.added.map((o) => ({
        id: crypto.randomUUID(),
        agreementId,
        requirementId: o.requirementId,
        sequence: o.sequence,
        kind: o.kind,
        dueDate: asDate(o.dueDate),
        status: o.status,
        statusAt: now,
      })),
    });
  }
}

export async function replaceContacts(tx: Tx, agreementId: string, contacts: Contact[]): Promise<void> {
  await tx.agreementContact.deleteMany({ where: { agreementId } });
  await tx.agreementContact.createMany({ data: contacts.map((c, position) => ({ agreementId, position, ...c })) });
}

export async function saveAmendedDates(
  tx: Tx,
  id: string,
  d: { startDate: string; endDate: string; revision: number },
  now: Date,
): Promise<void> {
  await tx.agreement.update({
    where: { id },
    data: { startDate: asDate(d.startDate), endDate: asDate(d.endDate), revision: d.revision, updatedAt: now },
  });
}

/** The agreement terminated and its open obligations cancelled. */
export async function saveTermination(
  tx: Tx,
  id: string,
  d: { reason: string; revision: number; cancelled: string[] },
  now: Date,
): Promise<void> {
  await tx.agreement.update({
    where: { id },
    data: {
      status: 'terminated',
      terminatedAt: now,
      terminationReason: d.reason,
      revision: d.revision,
      updatedAt: now,
    },
  });
  await tx.obligation.updateMany({ where: { id: { in: d.cancelled } }, data: { status: 'cancelled', statusAt: now } });
}

export interface HistoryEntry {
  agreementId: string;
  revision: number;
  kind: 'amended' | 'terminated';
  reason: string | null;
  changes: string[];
  actorKeyId: string;
  before: unknown;
  after: unknown;
}

export async function appendHistory(tx: Tx, h: HistoryEntry): Promise<void> {
  await tx.agreementHistory.create({
    data: { id: crypto.randomUUID(), ...h, before: json(h.before), after: json(h.after) },
  });
}

/**
 * The obligation status read model: applies transitions unless a newer one is recorded (`at`
 * order), so a redelivered or reordered event never moves a status backwards. A due date other than
 * the derived one (an extension) is kept beside it. Many transitions in one statement: of those for
 * one obligation, the latest `at` wins, and of equal ones the last given (as applying them one by
 * one with `status_at <= at` would end). Returns how many obligations changed.
 */
export async function saveObligationStatuses(
  tx: SqlTx,
  ts: ReadonlyArray<{ obligationId: string; to: string; at: string; dueDate: string }>,
): Promise<number> {
  if (ts.length === 0) return 0;
  return tx.$executeRawUnsafe(
    `UPDATE obligation o SET status = t.status, status_at = t.at,
            current_due_date = CASE WHEN o.due_date = t.due THEN NULL ELSE t.due END
     FROM (SELECT DISTINCT ON (id) id, status, at, due
           FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::date[]) WITH ORDINALITY AS u(id, status, at, due, ord)
           ORDER BY id, at DESC, ord DESC) t
     WHERE o.id = t.id AND o.status_at <= t.at`,
    ts.map((t) => t.obligationId),
    ts.map((t) => t.to),
    ts.map((t) => t.at),
    ts.map((t) => t.dueDate),
  );
}

/** Whose ids an owner lookup may confirm (the caller's tenant rule for its route). */
export type LookupScope = { funderIds: string[] } | { granteeId: string };
const agreementInScope = (s: LookupScope) =>
  'funderIds' in s ? { funderId: { in: s.funderIds } } : { granteeId: s.granteeId };

/**
 * Whether an agreement, or a current (not retired) obligation of one, exists in this scope. One
 * indexed query whatever the answer, so an unknown id and another tenant's take the same time.
 */
export async function agreementExistsIn(db: Tx, id: string, scope: LookupScope): Promise<boolean> {
  if (!UUID.test(id)) return false;
  return (await db.agreement.findFirst({ where: { id, ...agreementInScope(scope) }, select: { id: true } })) !== null;
}

export async function obligationExistsIn(db: Tx, id: string, scope: LookupScope): Promise<boolean> {
  if (!UUID.test(id)) return false;
  const found = await db.obligation.findFirst({
    where: { id, retired: false, agreement: agreementInScope(scope) },
    select: { id: true },
  });
  return found !== null;
}

/**
 * Whether an address is a contact of one of this grantee's agreements, compared as the notifier
 * compares them (trimmed, lower case).
 */
export async function contactExistsFor(db: Tx, granteeId: string, email: string): Promise<boolean> {
  if (!UUID.test(granteeId)) return false;
  const rows = await db.$queryRawUnsafe<unknown[]>(
    `SELECT 1 FROM agreement_contact c JOIN agreement a ON a.id = c.agreement_id
     WHERE a.grantee_id = $1::uuid AND lower(trim(c.email)) = $2 LIMIT 1`,
    granteeId,
    email.trim().toLowerCase(),
  );
  return rows.length > 0;
}
