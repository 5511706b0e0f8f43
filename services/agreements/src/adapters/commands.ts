/**
 * Amendment and termination of one agreement, and programme registration: Prisma interactive
 * transactions where the state change, its history and its event (outbox) commit together.
 * The rules themselves are the pure functions of src/domain.
 */
import crypto from 'node:crypto';
import { enqueue } from '@pc/bus';
import { AppError, invalid, notFound, type Locale } from '@pc/service-kit';
import { classify, DEFAULT_STAGES } from '@pc/lifecycle';
import { readContacts, readRequirements, DEFAULT_REQUIREMENTS, type Contact, type Issue, type ObligationKind, type RequirementSpec } from '../domain/agreement';
import { isCalendarDate } from '../domain/calendar';
import { details, issueText } from '../domain/messages';
import { deriveObligations, reconcile, SETTLED } from '../domain/obligations';
import { agreementSnapshot } from '../domain/snapshot';
import { agreementInclude, day, type AgreementRow } from './views';
import type { PrismaClient, Tx } from './prisma';
import type { Prisma } from '../generated/prisma/client';

/** Plain JSON for a Json column (drops undefined members). */
const json = (v: unknown): Prisma.InputJsonObject => JSON.parse(JSON.stringify(v)) as Prisma.InputJsonObject;
const asDate = (s: string): Date => new Date(`${s}T00:00:00.000Z`);
/** Statuses that follow from the calendar alone: recomputed when a due date moves. */
const CALENDAR_STATUSES = new Set(['upcoming', 'due_soon', 'overdue']);

export interface Actor { keyId: string }

export function issuesToError(issues: Issue[], locale: Locale, detail: string): AppError {
  return invalid(issues.map((i) => ({ path: i.path, message: issueText(locale, i) })), detail);
}

async function lockAgreement(tx: Tx, id: string, funderId: string): Promise<AgreementRow> {
  const locked = await tx.$queryRawUnsafe<Array<{ id: string }>>('SELECT id FROM agreement WHERE id = $1::uuid AND funder_id = $2::uuid FOR UPDATE', id, funderId);
  if (locked.length === 0) throw notFound('agreement');
  return tx.agreement.findUniqueOrThrow({ where: { id }, include: agreementInclude });
}

function snapshotOf(a: AgreementRow): ReturnType<typeof agreementSnapshot> {
  return agreementSnapshot({
    agreementId: a.id, funderId: a.funderId, programmeId: a.programmeId, programmeCode: a.programme.code,
    externalRef: a.externalRef, referenceCode: a.referenceCode, title: a.title,
    startDate: day(a.startDate), endDate: day(a.endDate), signedAt: a.signedAt ? day(a.signedAt) : null,
    grantee: { id: a.grantee.id, name: a.grantee.name, neq: a.grantee.neq },
    contacts: a.contacts.map((c) => ({ name: c.name, email: c.email, locale: c.locale as Contact['locale'] })),
    obligations: a.obligations.map((o) => ({ id: o.id, requirementId: o.requirementId, kind: o.kind as ObligationKind, sequence: o.sequence, dueDate: day(o.dueDate) })),
    revision: a.revision,
  });
}

export interface AmendInput {
  startDate?: string; endDate?: string; contacts?: unknown; requirements?: unknown; reason?: string;
}

/**
 * PATCH /v1/agreements/{id}: new dates, contacts or requirements. Obligations that are not
 * fulfilled, waived or cancelled follow the new derivation (same id for the same requirement ×
 * sequence); the previous values are kept in the history; revision increases; one amended event.
 */
export async function amendAgreement(prisma: PrismaClient, funderId: string, id: string, input: AmendInput, actor: Actor, today: string, locale: Locale): Promise<{ changed: boolean }> {
  return prisma.$transaction(async (tx) => {
    const a = await lockAgreement(tx, id, funderId);
    if (a.status === 'terminated') throw new AppError('conflict', details.t(locale, 'terminated'));
    const issues: Issue[] = [];
    for (const f of ['startDate', 'endDate'] as const) {
      const v = input[f];
      if (v !== undefined && (typeof v !== 'string' || !isCalendarDate(v))) issues.push({ path: f, code: 'not_a_date' });
    }
    const startDate = input.startDate ?? day(a.startDate);
    const endDate = input.endDate ?? day(a.endDate);
    const signedAt = a.signedAt ? day(a.signedAt) : null;
    if (issues.length === 0 && endDate < startDate) issues.push({ path: 'endDate', code: 'end_before_start' });
    const contacts = input.contacts === undefined ? null : readContacts(input.contacts, 'contacts', issues);
    const requirements = input.requirements === undefined ? null : readRequirements(input.requirements, 'requirements', signedAt, issues);
    if (issues.length > 0) throw issuesToError(issues, locale, details.t(locale, 'invalid_agreement'));
    if (input.startDate === undefined && input.endDate === undefined && contacts === null && requirements === null) {
      throw invalid([{ path: '', message: details.t(locale, 'nothing_to_amend') }], details.t(locale, 'nothing_to_amend'));
    }

    const changes: string[] = [];
    if (startDate !== day(a.startDate)) changes.push('startDate');
    if (endDate !== day(a.endDate)) changes.push('endDate');
    const oldContacts = a.contacts.map((c) => ({ name: c.name, email: c.email, locale: c.locale }));
    if (contacts && JSON.stringify(contacts) !== JSON.stringify(oldContacts)) changes.push('contacts');
    const oldReqs: RequirementSpec[] = a.requirements.map((r) => ({
      kind: r.kind as ObligationKind, count: r.count,
      due: r.dueDate ? { date: day(r.dueDate) } : { anchor: r.dueAnchor as 'start', offset: r.dueOffset! },
    }));
    if (requirements && JSON.stringify(requirements) !== JSON.stringify(oldReqs)) changes.push('requirements');

    // Requirements keep their id per position; the ones beyond the new list are retired.
    const allReqs = await tx.requirement.findMany({ where: { agreementId: id }, orderBy: { position: 'asc' } });
    const active: Array<RequirementSpec & { id: string }> = [];
    if (requirements && changes.includes('requirements')) {
      for (const [position, r] of requirements.entries()) {
        const existing = allReqs.find((x) => x.position === position);
        const data = {
          kind: r.kind, count: r.count, retired: false,
          dueAnchor: 'anchor' in r.due ? r.due.anchor : null, dueOffset: 'offset' in r.due ? r.due.offset : null,
          dueDate: 'date' in r.due ? asDate(r.due.date) : null,
        };
        const rid = existing?.id ?? crypto.randomUUID();
        if (existing) await tx.requirement.update({ where: { id: rid }, data });
        else await tx.requirement.create({ data: { ...data, id: rid, agreementId: id, position } });
        active.push({ ...r, id: rid });
      }
      await tx.requirement.updateMany({ where: { agreementId: id, position: { gte: requirements.length } }, data: { retired: true } });
    } else {
      a.requirements.forEach((r, i) => active.push({ ...oldReqs[i]!, id: r.id }));
    }

    const programme = await tx.programme.findUniqueOrThrow({ where: { id: a.programmeId } });
    const policy = programme.reminderStages as Array<{ offsetDays: number }>;
    const existing = await tx.obligation.findMany({ where: { agreementId: id } });
    const plan = reconcile(
      existing.map((o) => ({ id: o.id, requirementId: o.requirementId, sequence: o.sequence, kind: o.kind as ObligationKind, dueDate: day(o.dueDate), status: o.status, retired: o.retired })),
      deriveObligations({ startDate, endDate, signedAt }, active),
    );
    const now = new Date();
    const statusFor = (current: string, due: string): string => (CALENDAR_STATUSES.has(current) ? classify(due, today, policy) : current);
    for (const c of plan.changed) {
      const current = existing.find((o) => o.id === c.id)!;
      await tx.obligation.update({ where: { id: c.id }, data: { kind: c.kind, dueDate: asDate(c.dueDate), currentDueDate: null, status: statusFor(current.status, c.dueDate), statusAt: now } });
    }
    for (const r of plan.revived) {
      await tx.obligation.update({ where: { id: r.id }, data: { kind: r.kind, dueDate: asDate(r.dueDate), currentDueDate: null, retired: false, status: classify(r.dueDate, today, policy), statusAt: now } });
    }
    if (plan.retired.length > 0) await tx.obligation.updateMany({ where: { id: { in: plan.retired } }, data: { retired: true, statusAt: now } });
    if (plan.added.length > 0) {
      await tx.obligation.createMany({
        data: plan.added.map((o) => ({ id: crypto.randomUUID(), agreementId: id, requirementId: o.requirementId, sequence: o.sequence, kind: o.kind, dueDate: asDate(o.dueDate), status: classify(o.dueDate, today, policy), statusAt: now })),
      });
    }
    const obligationsChanged = plan.changed.length + plan.revived.length + plan.retired.length + plan.added.length > 0;
    if (obligationsChanged && !changes.includes('obligations')) changes.push('obligations');
    if (changes.length === 0) return { changed: false };

    if (contacts && changes.includes('contacts')) {
      await tx.agreementContact.deleteMany({ where: { agreementId: id } });
      await tx.agreementContact.createMany({ data: contacts.map((c, position) => ({ agreementId: id, position, ...c })) });
    }
    const revision = a.revision + 1;
    await tx.agreement.update({ where: { id }, data: { startDate: asDate(startDate), endDate: asDate(endDate), revision, updatedAt: now } });
    await tx.agreementHistory.create({
      data: {
        id: crypto.randomUUID(), agreementId: id, revision, kind: 'amended', reason: input.reason ?? null, changes, actorKeyId: actor.keyId,
        // Contacts are personal data: the history keeps how many, not who (Law 25: erasable in one place).
        before: json({ startDate: day(a.startDate), endDate: day(a.endDate), contacts: oldContacts.length, requirements: changes.includes('requirements') ? oldReqs : undefined,
          obligations: [...plan.changed.map((c) => ({ id: c.id, dueDate: c.previousDueDate, kind: c.previousKind })), ...plan.retired.map((rid) => ({ id: rid, retired: false }))] }),
        after: json({ startDate, endDate, contacts: contacts?.length ?? oldContacts.length, requirements: changes.includes('requirements') ? requirements : undefined,
          obligations: [...plan.changed.map((c) => ({ id: c.id, dueDate: c.dueDate, kind: c.kind })), ...plan.retired.map((rid) => ({ id: rid, retired: true })),
            ...plan.revived.map((r) => ({ id: r.id, dueDate: r.dueDate, revived: true }))] }),
      },
    });
    const fresh = await tx.agreement.findUniqueOrThrow({ where: { id }, include: agreementInclude });
    await enqueue(tx, [{ type: 'agreement.amended.v1', subject: id, data: { ...snapshotOf(fresh), changes, actor: { kind: 'api_key', id: actor.keyId } } }]);
    return { changed: true };
  }, { timeout: 30_000 });
}

/** POST /v1/agreements/{id}/terminate: open obligations become cancelled; one terminated event. */
export async function terminateAgreement(prisma: PrismaClient, funderId: string, id: string, reason: string, actor: Actor, locale: Locale): Promise<void> {
  await prisma.$transaction(async (tx) => {
    const a = await lockAgreement(tx, id, funderId);
    if (a.status === 'terminated') throw new AppError('conflict', details.t(locale, 'terminated'));
    const now = new Date();
    const revision = a.revision + 1;
    const open = a.obligations.filter((o) => !SETTLED.has(o.status));
    await tx.agreement.update({ where: { id }, data: { status: 'terminated', terminatedAt: now, terminationReason: reason, revision, updatedAt: now } });
    await tx.obligation.updateMany({ where: { id: { in: open.map((o) => o.id) } }, data: { status: 'cancelled', statusAt: now } });
    await tx.agreementHistory.create({
      data: {
        id: crypto.randomUUID(), agreementId: id, revision, kind: 'terminated', reason, changes: ['status'], actorKeyId: actor.keyId,
        before: { status: a.status, obligations: open.map((o) => ({ id: o.id, status: o.status })) },
        after: { status: 'terminated', obligations: open.map((o) => ({ id: o.id, status: 'cancelled' })) },
      },
    });
    await enqueue(tx, [{ type: 'agreement.terminated.v1', subject: id, data: { agreementId: id, funderId, reason, revision, actor: { kind: 'api_key', id: actor.keyId } } }]);
  }, { timeout: 30_000 });
}

export interface ProgrammeInput {
  code: string; name: string; sector?: string; praxisFeeds?: string[];
  reminderPolicy?: { stages: Array<{ offsetDays: number; escalate?: boolean }> };
  defaultRequirements?: unknown;
}

/** POST /v1/programmes: the programme and programme.registered.v1 in one transaction. */
export async function registerProgramme(prisma: PrismaClient, funderId: string, input: ProgrammeInput, actor: Actor, locale: Locale): Promise<string> {
  const issues: Issue[] = [];
  const defaults = input.defaultRequirements === undefined ? DEFAULT_REQUIREMENTS
    // Defaults apply to agreements that may have no signature date: 'signature' anchors are refused.
    : readRequirements(input.defaultRequirements, 'defaultRequirements', null, issues);
  if (issues.length > 0) throw issuesToError(issues, locale, details.t(locale, 'invalid_agreement'));
  const stages = (input.reminderPolicy?.stages ?? DEFAULT_STAGES)
    .map((s) => ({ offsetDays: s.offsetDays, escalate: s.escalate ?? false }))
    .sort((x, y) => x.offsetDays - y.offsetDays);
  const id = crypto.randomUUID();
  try {
    await prisma.$transaction(async (tx) => {
      await tx.programme.create({
        data: { id, funderId, code: input.code, name: input.name, sector: input.sector ?? null, praxisFeeds: input.praxisFeeds ?? [], reminderStages: stages, defaultRequirements: defaults as object[] },
      });
      await enqueue(tx, [{
        type: 'programme.registered.v1', subject: id,
        data: { programmeId: id, funderId, code: input.code, name: input.name, sector: input.sector ?? null, praxisFeeds: input.praxisFeeds ?? [], reminderStages: stages, actor: { kind: 'api_key', id: actor.keyId } },
      }]);
    });
  } catch (err) {
    if ((err as { code?: string }).code === 'P2002') throw new AppError('conflict', details.t(locale, 'programme_exists'), [{ path: 'code', message: details.t(locale, 'programme_exists') }]);
    throw err;
  }
  return id;
}
