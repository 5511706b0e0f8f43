import { enqueue } from '@pc/bus';
import type { components } from '@pc/contracts';
import { AppError, invalid, notFound, type Locale } from '@pc/service-kit';
import { classify } from '@pc/lifecycle';
import {
  readContacts,
  readRequirements,
  type Issue,
  type ObligationKind,
  type RequirementSpec,
} from '../domain/agreement';
import { isCalendarDate } from '../domain/calendar';
import { details, issuesToError } from '../domain/messages';
import { deriveObligations, lateDueIssues, reconcile, statusAfterMove } from '../domain/obligations';
import {
  agreementById,
  appendHistory,
  lockAgreement,
  obligationsOf,
  replaceContacts,
  replaceRequirements,
  saveAmendedDates,
  writeObligations,
} from '../adapters/agreement-store';
import { programmeById } from '../adapters/programme-store';
import type { Transact } from '../adapters/prisma';
import { day, snapshotOf } from '../adapters/views';

export type AgreementAmendment = components['schemas']['AgreementAmendment'];
export interface Actor {
  keyId: string;
}

/**
 * PATCH /v1/agreements/{id}: new dates, contacts or requirements. Obligations that are not
 * fulfilled, waived or cancelled follow the new derivation (same id for the same requirement ×
 * sequence); the previous values are kept in the history; revision increases; one amended event,
 * all in one transaction.
 */
export async function amendAgreement(
  transact: Transact,
  funderId: string,
  id: string,
  input: AgreementAmendment,
  actor: Actor,
  today: string,
  locale: Locale,
): Promise<{ changed: boolean }> {
  return transact(async (tx) => {
    const a = await lockAgreement(tx, id, funderId);
    if (!a) throw notFound('agreement');
    if (a.status === 'terminated') throw new AppError('conflict', details.t(locale, 'terminated'));
    const issues: Issue[] = [];
    for (const f of ['startDate', 'endDate'] as const) {
      const v: unknown = input[f];
      if (v !== undefined && (typeof v !== 'string' || !isCalendarDate(v)))
        issues.push({ path: f, code: 'not_a_date' });
    }
    const startDate = input.startDate ?? day(a.startDate);
    const endDate = input.endDate ?? day(a.endDate);
    const signedAt = a.signedAt ? day(a.signedAt) : null;
    if (issues.length === 0 && endDate < startDate) issues.push({ path: 'endDate', code: 'end_before_start' });
    const contacts = input.contacts === undefined ? null : readContacts(input.contacts, 'contacts', issues);
    const requirements =
      input.requirements === undefined ? null : readRequirements(input.requirements, 'requirements', signedAt, issues);
    if (issues.length === 0) {
      // Whatever moved (a date, a rule), no obligation may land after the last due date.
      const rules: RequirementSpec[] =
        requirements ??
        a.requirements.map((r) => ({
          kind: r.kind as ObligationKind,
          count: r.count,
          due: r.dueDate ? { date: day(r.dueDate) } : { anchor: r.dueAnchor as 'start', offset: r.dueOffset! },
        }));
      issues.push(...lateDueIssues({ startDate, endDate, signedAt }, rules, requirements === null));
    }
    if (issues.length > 0) throw issuesToError(issues, locale, details.t(locale, 'invalid_agreement'));
    if (input.startDate === undefined && input.endDate === undefined && contacts === null && requirements === null) {
      throw invalid(
        [{ path: '', message: details.t(locale, 'nothing_to_amend') }],
        details.t(locale, 'nothing_to_amend'),
      );
    }

    const changes: string[] = [];
    if (startDate !== day(a.startDate)) changes.push('startDate');
    if (endDate !== day(a.endDate)) changes.push('endDate');
    const oldContacts = a.contacts.map((c) => ({ name: c.name, email: c.email, locale: c.locale }));
    if (contacts && JSON.stringify(contacts) !== JSON.stringify(oldContacts)) changes.push('contacts');
    const oldReqs: RequirementSpec[] = a.requirements.map((r) => ({
      kind: r.kind as ObligationKind,
      count: r.count,
      due: r.dueDate ? { date: day(r.dueDate) } : { anchor: r.dueAnchor as 'start', offset: r.dueOffset! },
    }));
    if (requirements && JSON.stringify(requirements) !== JSON.stringify(oldReqs)) changes.push('requirements');

    // Requirements keep their id per position; the ones beyond the new list are retired.
    const active: Array<RequirementSpec & { id: string }> = [];
    if (requirements && changes.includes('requirements')) {
      const ids = await replaceRequirements(tx, id, requirements);
      requirements.forEach((r, i) => active.push({ ...r, id: ids[i]! }));
    } else {
      a.requirements.forEach((r, i) => active.push({ ...oldReqs[i]!, id: r.id }));
    }

    const programme = await programmeById(tx, a.programmeId);
    const policy = programme.reminderStages as Array<{ offsetDays: number }>;
    const existing = await obligationsOf(tx, id);
    const plan = reconcile(
      existing.map((o) => ({
        id: o.id,
        requirementId: o.requirementId,
        sequence: o.sequence,
        kind: o.kind as ObligationKind,
        dueDate: day(o.dueDate),
        status: o.status,
        retired: o.retired,
      })),
      deriveObligations({ startDate, endDate, signedAt }, active),
    );
    const now = new Date();
    await writeObligations(
      tx,
      id,
      {
        changed: plan.changed.map((c) => ({
          id: c.id,
          kind: c.kind,
          dueDate: c.dueDate,
          status: statusAfterMove(existing.find((o) => o.id === c.id)!.status, c.dueDate, today, policy),
        })),
        revived: plan.revived.map((r) => ({ ...r, status: classify(r.dueDate, today, policy) })),
        retired: plan.retired,
        added: plan.added.map((o) => ({ ...o, status: classify(o.dueDate, today, policy) })),
      },
      now,
    );
    const obligationsChanged = plan.changed.length + plan.revived.length + plan.retired.length + plan.added.length > 0;
    if (obligationsChanged && !changes.includes('obligations')) changes.push('obligations');
    if (changes.length === 0) return { changed: false };

    if (contacts && changes.includes('contacts')) await replaceContacts(tx, id, contacts);
    const revision = a.revision + 1;
    await saveAmendedDates(tx, id, { startDate, endDate, revision }, now);
    await appendHistory(tx, {
      agreementId: id,
      revision,
      kind: 'amended',
      reason: input.reason ?? null,
      changes,
      actorKeyId: actor.keyId,
      // Contacts are personal data: the history keeps how many, not who (Law 25: erasable in one place).
      before: {
        startDate: day(a.startDate),
        endDate: day(a.endDate),
        contacts: oldContacts.length,
        requirements: changes.includes('requirements') ? oldReqs : undefined,
        obligations: [
          ...plan.changed.map((c) => ({ id: c.id, dueDate: c.previousDueDate, kind: c.previousKind })),
          ...plan.retired.map((rid) => ({ id: rid, retired: false })),
        ],
      },
      after: {
        startDate,
        endDate,
        contacts: contacts?.length ?? oldContacts.length,
        requirements: changes.includes('requirements') ? requirements : undefined,
        obligations: [
          ...plan.changed.map((c) => ({ id: c.id, dueDate: c.dueDate, kind: c.kind })),
          ...plan.retired.map((rid) => ({ id: rid, retired: true })),
          ...plan.revived.map((r) => ({ id: r.id, dueDate: r.dueDate, revived: true })),
        ],
      },
    });
    const fresh = await agreementById(tx, id);
    await enqueue(tx, [
      {
        type: 'agreement.amended.v1',
        subject: id,
        data: { ...snapshotOf(fresh), changes, actor: { kind: 'api_key', id: actor.keyId } },
      },
    ]);
    return { changed: true };
  }, 30_000);
}
