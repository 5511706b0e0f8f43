import {
  fieldError,
  invalid,
  isCalendarDate,
  notFound,
  writingFunder,
  type FieldError,
  type Principal,
} from '@pc/service-kit';
import { actorOf } from '../domain/access';
import { assertTransition, type ObligationStatus } from '../domain/lifecycle';
import { changeTexts } from '../domain/messages';

/** The last due date the system keeps (the agreements service derives none later). */
const LAST_DUE_DATE = '2100-12-31';
import type { Clock } from '../domain/ports';
import { fromDbDate, transaction, type PrismaClient } from '../adapters/prisma';
import { lockFundersObligation, refOf, updateObligation } from '../adapters/obligation-store';
import { recordTransitions } from '../adapters/transition-store';
import { getObligation } from './get-obligation';

/**
 * POST /v1/obligations/{id}/extension (funder only): moves the due date later. The new date must be
 * after the current due date and not in the past (422 naming newDueDate); a closed obligation
 * (fulfilled, waived, cancelled) cannot be extended (409). History keeps the previous date and reason.
 * The rule of the new date is here; the next evaluation classifies the obligation against it.
 */
export async function extendObligation(
  prisma: PrismaClient,
  clock: Clock,
  p: Principal,
  id: string,
  body: { newDueDate: string; reason: string },
): Promise<Record<string, unknown>> {
  const funderId = writingFunder(p);
  const reason = body.reason.trim();
  return transaction(prisma, async (tx) => {
    const o = await lockFundersObligation(tx, funderId, id);
    if (!o) throw notFound('obligation');
    const errors: FieldError[] = [];
    const current = fromDbDate(o.dueDate);
    const today = clock.today();
    if (!isCalendarDate(body.newDueDate)) errors.push(fieldError('newDueDate', changeTexts.both('calendarDate')));
    else if (body.newDueDate <= current)
      errors.push(fieldError('newDueDate', changeTexts.both('afterCurrent', current)));
    else if (body.newDueDate < today) errors.push(fieldError('newDueDate', changeTexts.both('notPast', today)));
    // Due dates end where the agreements service stops deriving them (no date column is meant for year 9999).
    else if (body.newDueDate > LAST_DUE_DATE)
      errors.push(fieldError('newDueDate', changeTexts.both('notAfterLast', LAST_DUE_DATE)));
    if (!reason) errors.push(fieldError('reason', changeTexts.both('reasonRequired')));
    if (errors.length) throw invalid(errors);
    const from = o.status as ObligationStatus;
    assertTransition(from, 'extended');
    const at = clock.now();
    await updateObligation(tx, id, { dueDate: body.newDueDate, status: 'extended', updatedAt: at });
    await recordTransitions(tx, [
      {
        obligation: { ...refOf(o), dueDate: body.newDueDate },
        from,
        to: 'extended',
        reason,
        actor: actorOf(p),
        at,
        previousDueDate: current,
      },
    ]);
    return getObligation(tx, p, id); // answered as GET shows it, from inside the change's transaction
  });
}
