import type { HandlerResult } from '@pc/bus';
import { classify, normaliseStages } from '@pc/lifecycle';
import { isOpen, TIME_DRIVEN, type ObligationStatus, type TransitionInput } from '../domain/lifecycle';
import type { Clock } from '../domain/ports';
import { fromDbDate, type Tx } from '../adapters/prisma';
import { lockAgreement, saveSnapshot, type Snapshot } from '../adapters/agreement-store';
import {
  createObligation,
  obligationsOfAgreement,
  refOf,
  setOwners,
  updateObligation,
} from '../adapters/obligation-store';
import { storedStages } from '../adapters/programme-store';
import { recordTransitions } from '../adapters/transition-store';

/** Why an obligation exists, in its first transition: the agreement's registration, or an amendment that added it. */
export const creationReason = (amended: boolean): string =>
  amended ? 'added by an amendment of the agreement' : 'agreement registered';

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
  await saveSnapshot(tx, d, stored !== null);
  if (terminated) return 'done'; // a terminated agreement's obligations stay cancelled

  // Denormalised owner columns follow the agreement (a grantee merged by NEQ, a programme moved).
  await setOwners(tx, d.agreementId, { funderId: d.funderId, programmeId: d.programmeId, granteeId: d.grantee.id });
  const current = await obligationsOfAgreement(tx, d.agreementId);
  const byId = new Map(current.map((o) => [o.id, o]));
  const stages = normaliseStages(await storedStages(tx, d.programmeId));
  const today = clock.today();
  const at = clock.now();
  const actor = d.actor;
  const transitions: TransitionInput[] = [];
  const base = {
    agreementId: d.agreementId,
    funderId: d.funderId,
    programmeId: d.programmeId,
    granteeId: d.grantee.id,
  };

  for (const derived of d.obligations) {
    const cur = byId.get(derived.id);
    if (!cur) {
      const status = classify(derived.dueDate, today, stages);
      await createObligation(tx, {
        id: derived.id,
        ...base,
        requirementId: derived.requirementId,
        kind: derived.kind,
        sequence: derived.sequence,
        dueDate: derived.dueDate,
        status,
        at,
      });
      transitions.push({
        obligation: { id: derived.id, ...base, kind: derived.kind, dueDate: derived.dueDate },
        from: null,
        to: status,
        reason: creationReason(amended),
        actor,
        at,
      });
      continue;
    }
    byId.delete(derived.id);
    const curStatus = cur.status as ObligationStatus;
    const curDue = fromDbDate(cur.dueDate);
    const curDerived = fromDbDate(cur.derivedDueDate);
    const descriptive = { requirementId: derived.requirementId, kind: derived.kind, sequence: derived.sequence };
    if (derived.dueDate === curDerived || !isOpen(curStatus)) {
      await updateObligation(tx, cur.id, { ...descriptive, derivedDueDate: derived.dueDate });
      continue;
    }
    const extended = curDue !== curDerived;
    const newDue = extended && curDue > derived.dueDate ? curDue : derived.dueDate;
    if (newDue === curDue) {
      await updateObligation(tx, cur.id, { ...descriptive, derivedDueDate: derived.dueDate });
      continue;
    }
    const to: ObligationStatus = TIME_DRIVEN.includes(curStatus) ? classify(newDue, today, stages) : curStatus;
    await updateObligation(tx, cur.id, {
      ...descriptive,
      derivedDueDate: derived.dueDate,
      dueDate: newDue,
      status: to,
      updatedAt: at,
    });
    transitions.push({
      obligation: { ...refOf({ ...cur, ...base }), kind: derived.kind, dueDate: newDue },
      from: curStatus,
      to,
      reason: 'due date changed by an amendment of the agreement',
      actor,
      at,
      previousDueDate: curDue,
    });
  }
  // Obligations the agreement no longer has (requirement removed, count lowered).
  for (const gone of byId.values()) {
    const from = gone.status as ObligationStatus;
    if (!isOpen(from)) continue;
    await updateObligation(tx, gone.id, { status: 'cancelled', updatedAt: at });
    transitions.push({
      obligation: refOf({ ...gone, ...base }),
      from,
      to: 'cancelled',
      reason: 'removed by an amendment of the agreement',
      actor,
      at,
    });
  }
  await recordTransitions(tx, transitions);
  return 'done';
}
