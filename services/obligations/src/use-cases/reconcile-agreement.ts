import type { EventData } from '@pc/contracts';
import type { HandlerResult } from '@pc/bus';
import { classify, normaliseStages, type ReminderStage } from '@pc/lifecycle';
import { isOpen, TIME_DRIVEN, type ObligationStatus } from '../domain/lifecycle';
import type { Clock } from '../domain/ports';
import type { Tx } from '../adapters/prisma';
import { fromDbDate, recordTransitions, refOf, toDbDate, type TransitionInput } from './transitions';

type Snapshot = EventData<'agreement.registered.v1'> | EventData<'agreement.amended.v1'>;

/** Keeps the programme's reminder policy (an empty or missing policy means the default stages). */
export async function registerProgramme(tx: Tx, d: EventData<'programme.registered.v1'>): Promise<HandlerResult> {
  const stages = normaliseStages(d.reminderStages);
  await tx.programme.upsert({
    where: { id: d.programmeId },
    create: { id: d.programmeId, funderId: d.funderId, code: d.code, name: d.name, reminderStages: stages as never },
    update: { funderId: d.funderId, code: d.code, name: d.name, reminderStages: stages as never, updatedAt: new Date() },
  });
  return 'done';
}

async function stagesOf(tx: Tx, programmeId: string): Promise<ReminderStage[]> {
  const p = await tx.programme.findUnique({ where: { id: programmeId }, select: { reminderStages: true } });
  return normaliseStages(p?.reminderStages as ReminderStage[] | undefined);
}

/** Locks the agreement row (snapshots of one agreement apply one at a time) and returns its revision. */
async function lockAgreement(tx: Tx, id: string): Promise<{ revision: number; status: string } | null> {
  const rows = await tx.$queryRawUnsafe<{ revision: number; status: string }[]>(
    'SELECT revision, status FROM agreement WHERE id = $1::uuid FOR UPDATE', id);
  return rows[0] ?? null;
}

/**
 * Reconciles the obligations of an agreement to a full snapshot (registered or amended).
 * Idempotent and order-proof: a snapshot whose revision is not newer than the stored one changes
 * nothing ('skipped'), so a replayed registration or one arriving after its amendment is ignored.
 *  - a new obligation id → created in the class of its due date today (transition from null);
 *  - a derived due date that changed → an open obligation moves (previousDueDate recorded); a
 *    funder's extension is kept when it is later than the new derived date; closed ones keep theirs;
 *  - an obligation no longer in the snapshot → cancelled if still open.
 */
export async function reconcileAgreement(tx: Tx, d: Snapshot, clock: Clock, amended: boolean): Promise<HandlerResult> {
  const stored = await lockAgreement(tx, d.agreementId);
  if (stored && stored.revision >= d.revision) return 'skipped';
  const terminated = stored?.status === 'terminated';
  const fields = {
    funderId: d.funderId, programmeId: d.programmeId, programmeCode: d.programmeCode, externalRef: d.externalRef,
    referenceCode: d.referenceCode, title: d.title, startDate: toDbDate(d.startDate), endDate: toDbDate(d.endDate),
    granteeId: d.grantee.id, granteeName: d.grantee.name, granteeNeq: d.grantee.neq, contacts: d.contacts as never,
    revision: d.revision, updatedAt: new Date(),
  };
  if (stored) await tx.agreement.update({ where: { id: d.agreementId }, data: fields });
  else await tx.agreement.create({ data: { id: d.agreementId, ...fields, status: 'active' } });
  if (terminated) return 'done'; // a terminated agreement's obligations stay cancelled

  // Denormalised owner columns follow the agreement (a grantee merged by NEQ, a programme moved).
  await tx.obligation.updateMany({
    where: { agreementId: d.agreementId },
    data: { funderId: d.funderId, programmeId: d.programmeId, granteeId: d.grantee.id },
  });
  const current = await tx.obligation.findMany({ where: { agreementId: d.agreementId } });
  const byId = new Map(current.map((o) => [o.id, o]));
  const stages = await stagesOf(tx, d.programmeId);
  const today = clock.today();
  const at = clock.now();
  const actor = d.actor;
  const transitions: TransitionInput[] = [];
  const base = { agreementId: d.agreementId, funderId: d.funderId, programmeId: d.programmeId, granteeId: d.grantee.id };

  for (const derived of d.obligations) {
    const cur = byId.get(derived.id);
    if (!cur) {
      const status = classify(derived.dueDate, today, stages);
      await tx.obligation.create({
        data: {
          id: derived.id, ...base, requirementId: derived.requirementId, kind: derived.kind, sequence: derived.sequence,
          dueDate: toDbDate(derived.dueDate), derivedDueDate: toDbDate(derived.dueDate), status, updatedAt: at,
        },
      });
      transitions.push({
        obligation: { id: derived.id, ...base, kind: derived.kind, dueDate: derived.dueDate }, from: null, to: status,
        reason: amended ? 'added by an amendment of the agreement' : 'agreement registered', actor, at,
      });
      continue;
    }
    byId.delete(derived.id);
    const curStatus = cur.status as ObligationStatus;
    const curDue = fromDbDate(cur.dueDate);
    const curDerived = fromDbDate(cur.derivedDueDate);
    const descriptive = { requirementId: derived.requirementId, kind: derived.kind, sequence: derived.sequence };
    if (derived.dueDate === curDerived || !isOpen(curStatus)) {
      await tx.obligation.update({ where: { id: cur.id }, data: { ...descriptive, derivedDueDate: toDbDate(derived.dueDate) } });
      continue;
    }
    const extended = curDue !== curDerived;
    const newDue = extended && curDue > derived.dueDate ? curDue : derived.dueDate;
    if (newDue === curDue) {
      await tx.obligation.update({ where: { id: cur.id }, data: { ...descriptive, derivedDueDate: toDbDate(derived.dueDate) } });
      continue;
    }
    const to: ObligationStatus = TIME_DRIVEN.includes(curStatus) ? classify(newDue, today, stages) : curStatus;
    await tx.obligation.update({
      where: { id: cur.id },
      data: { ...descriptive, derivedDueDate: toDbDate(derived.dueDate), dueDate: toDbDate(newDue), status: to, updatedAt: at },
    });
    {
      transitions.push({
        obligation: { ...refOf({ ...cur, ...base }), kind: derived.kind, dueDate: newDue }, from: curStatus, to,
        reason: 'due date changed by an amendment of the agreement', actor, at, previousDueDate: curDue,
      });
    }
  }
  // Obligations the agreement no longer has (requirement removed, count lowered).
  for (const gone of byId.values()) {
    const from = gone.status as ObligationStatus;
    if (!isOpen(from)) continue;
    await tx.obligation.update({ where: { id: gone.id }, data: { status: 'cancelled', updatedAt: at } });
    transitions.push({ obligation: refOf({ ...gone, ...base }), from, to: 'cancelled', reason: 'removed by an amendment of the agreement', actor, at });
  }
  await recordTransitions(tx, transitions);
  return 'done';
}

/**
 * Termination: every open obligation becomes cancelled; fulfilled ones stay fulfilled. A termination
 * that arrives before the registration leaves a tombstone so the late registration is ignored.
 */
export async function terminateAgreement(tx: Tx, d: EventData<'agreement.terminated.v1'>, clock: Clock): Promise<HandlerResult> {
  const stored = await lockAgreement(tx, d.agreementId);
  if (stored && stored.revision >= d.revision) return 'skipped';
  if (!stored) {
    await tx.agreement.create({ data: { id: d.agreementId, funderId: d.funderId, revision: d.revision, status: 'terminated' } });
    return 'done';
  }
  const at = clock.now();
  await tx.agreement.update({ where: { id: d.agreementId }, data: { revision: d.revision, status: 'terminated', updatedAt: at } });
  const open = await tx.obligation.findMany({ where: { agreementId: d.agreementId, status: { in: ['upcoming', 'due_soon', 'overdue', 'extended', 'evidence_withdrawn'] } } });
  await tx.obligation.updateMany({ where: { id: { in: open.map((o) => o.id) } }, data: { status: 'cancelled', updatedAt: at } });
  await recordTransitions(tx, open.map((o) => ({
    obligation: refOf(o), from: o.status as ObligationStatus, to: 'cancelled' as const,
    reason: d.reason || 'agreement terminated', actor: d.actor, at,
  })));
  return 'done';
}
