/** The history of every obligation: one transition row per move, and its obligation.transitioned.v1. */
import crypto from 'node:crypto';
import { enqueue, type NewEvent } from '@pc/bus';
import { assertTransition, type TransitionInput } from '../domain/lifecycle';
import { toDbDate, type Tx } from './prisma';

/**
 * Records transitions (history rows) and publishes obligation.transitioned.v1 for each, in the
 * caller's transaction. Every move is checked against the life cycle first: an illegal one throws
 * AppError('conflict') and nothing of the transaction is kept.
 */
export async function recordTransitions(tx: Tx, items: TransitionInput[]): Promise<void> {
  if (items.length === 0) return;
  for (const t of items) assertTransition(t.from, t.to);
  const rows = items.map((t) => ({ id: crypto.randomUUID(), t }));
  await tx.transition.createMany({
    data: rows.map(({ id, t }) => ({
      id,
      obligationId: t.obligation.id,
      fromStatus: t.from,
      toStatus: t.to,
      dueDate: toDbDate(t.obligation.dueDate),
      previousDueDate: t.previousDueDate ? toDbDate(t.previousDueDate) : null,
      reason: t.reason,
      actorKind: t.actor.kind,
      actorId: t.actor.id,
      at: t.at,
    })),
  });
  const events: NewEvent[] = rows.map(({ id, t }) => ({
    id,
    type: 'obligation.transitioned.v1',
    subject: t.obligation.id,
    data: {
      obligationId: t.obligation.id,
      agreementId: t.obligation.agreementId,
      funderId: t.obligation.funderId,
      programmeId: t.obligation.programmeId,
      granteeId: t.obligation.granteeId,
      kind: t.obligation.kind,
      dueDate: t.obligation.dueDate,
      from: t.from,
      to: t.to,
      reason: t.reason,
      at: t.at.toISOString(),
      actor: t.actor,
      ...(t.previousDueDate ? { previousDueDate: t.previousDueDate } : {}),
      ...(t.evidence ? { evidence: t.evidence } : {}),
    },
  }));
  await enqueue(tx, events);
}
