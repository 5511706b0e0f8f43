import { fieldError, invalid, isCalendarDate, notFound, writingFunder, type FieldError, type Principal } from '@pc/service-kit';
import { assertTransition, type ObligationStatus } from '../domain/lifecycle';
import { changeTexts } from '../domain/messages';
import type { Clock } from '../domain/ports';
import type { PrismaClient, Tx } from '../adapters/prisma';
import { fromDbDate, recordTransitions, refOf, toDbDate } from './transitions';
import { detailOf, findVisible } from './read';

const actorOf = (p: Principal) => ({ kind: 'api_key' as const, id: p.keyId });

/** Locks the funder's obligation (404 for any other tenant's). */
async function lockOwned(tx: Tx, funderId: string, id: string) {
  const rows = await tx.$queryRawUnsafe<{ id: string }[]>('SELECT id FROM obligation WHERE id = $1::uuid AND funder_id = $2::uuid FOR UPDATE', id, funderId);
  if (!rows[0]) throw notFound('obligation');
  return tx.obligation.findUniqueOrThrow({ where: { id } });
}

/**
 * POST /v1/obligations/{id}/extension (funder only): moves the due date later. The new date must be
 * after the current due date and not in the past (422 naming newDueDate); a closed obligation
 * (fulfilled, waived, cancelled) cannot be extended (409). History keeps the previous date and reason.
 */
export async function extendObligation(prisma: PrismaClient, clock: Clock, p: Principal, id: string,
  body: { newDueDate: string; reason: string }): Promise<Record<string, unknown>> {
  const funderId = writingFunder(p);
  const reason = body.reason.trim();
  return prisma.$transaction(async (tx) => {
    const o = await lockOwned(tx, funderId, id);
    const errors: FieldError[] = [];
    const current = fromDbDate(o.dueDate);
    const today = clock.today();
    if (!isCalendarDate(body.newDueDate)) errors.push(fieldError('newDueDate', changeTexts.both('calendarDate')));
    else if (body.newDueDate <= current) errors.push(fieldError('newDueDate', changeTexts.both('afterCurrent', current)));
    else if (body.newDueDate < today) errors.push(fieldError('newDueDate', changeTexts.both('notPast', today)));
    if (!reason) errors.push(fieldError('reason', changeTexts.both('reasonRequired')));
    if (errors.length) throw invalid(errors);
    const from = o.status as ObligationStatus;
    assertTransition(from, 'extended');
    const at = clock.now();
    await tx.obligation.update({ where: { id }, data: { dueDate: toDbDate(body.newDueDate), status: 'extended', updatedAt: at } });
    await recordTransitions(tx, [{
      obligation: { ...refOf(o), dueDate: body.newDueDate }, from, to: 'extended', reason, actor: actorOf(p), at, previousDueDate: current,
    }]);
    return detailOf(tx, await findVisible(tx, p, id));
  });
}

/** POST /v1/obligations/{id}/waiver (funder only, reason required): the obligation is waived for good. */
export async function waiveObligation(prisma: PrismaClient, clock: Clock, p: Principal, id: string,
  body: { reason: string }): Promise<Record<string, unknown>> {
  const funderId = writingFunder(p);
  const reason = (body.reason ?? '').trim();
  return prisma.$transaction(async (tx) => {
    const o = await lockOwned(tx, funderId, id);
    if (!reason) throw invalid([fieldError('reason', changeTexts.both('reasonRequired'))]);
    const from = o.status as ObligationStatus;
    assertTransition(from, 'waived');
    const at = clock.now();
    await tx.obligation.update({ where: { id }, data: { status: 'waived', updatedAt: at } });
    await recordTransitions(tx, [{ obligation: refOf(o), from, to: 'waived', reason, actor: actorOf(p), at }]);
    return detailOf(tx, await findVisible(tx, p, id));
  });
}

