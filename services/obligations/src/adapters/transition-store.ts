/** The history of every obligation: one transition row per move, and its obligation.transitioned.v1 (plain SQL: unnest). */
import crypto from 'node:crypto';
import { enqueue, type NewEvent } from '@pc/bus';
import { assertTransition, type TransitionInput } from '../domain/lifecycle';
import type { Tx } from './prisma';

/**
 * Records transitions (history rows) and publishes obligation.transitioned.v1 for each, in the
 * caller's transaction. Every move is checked against the life cycle first: an illegal one throws
 * AppError('conflict') and nothing of the transaction is kept.
 */
export async function recordTransitions(tx: Tx, items: TransitionInput[]): Promise<void> {
  if (items.length === 0) return;
  for (const t of items) assertTransition(t.from, t.to);
  const rows = items.map((t) => ({ id: crypto.randomUUID(), t }));
  // One statement for any number (a batch of notes fulfils hundreds at once); in the order given, so `seq` keeps it.
  await tx.$executeRawUnsafe(
    `INSERT INTO transition (id, obligation_id, from_status, to_status, due_date, previous_due_date, reason, actor_kind, actor_id, at)
     SELECT id, obligation_id, from_status, to_status, due_date, previous_due_date, reason, actor_kind, actor_id, at
     FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::date[], $6::date[], $7::text[], $8::text[],
       $9::text[], $10::timestamptz[]) WITH ORDINALITY
       AS u(id, obligation_id, from_status, to_status, due_date, previous_due_date, reason, actor_kind, actor_id, at, ord)
     ORDER BY ord`,
    rows.map((r) => r.id),
    rows.map((r) => r.t.obligation.id),
    rows.map((r) => r.t.from),
    rows.map((r) => r.t.to),
    rows.map((r) => r.t.obligation.dueDate),
    rows.map((r) => r.t.previousDueDate ?? null),
    rows.map((r) => r.t.reason),
    rows.map((r) => r.t.actor.kind),
    rows.map((r) => r.t.actor.id),
    rows.map((r) => r.t.at.toISOString()),
  );
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
