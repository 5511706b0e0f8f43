import { fieldError, invalid, notFound, writingFunder, type Principal } from '@pc/service-kit';
import { actorOf } from '../domain/access';
import { assertTransition, type ObligationStatus } from '../domain/lifecycle';
import { changeTexts } from '../domain/messages';
import type { Clock } from '../domain/ports';
import { transaction, type PrismaClient } from '../adapters/prisma';
import { lockFundersObligation, refOf, updateObligation } from '../adapters/obligation-store';
import { recordTransitions } from '../adapters/transition-store';
import { getObligation } from './get-obligation';

/** POST /v1/obligations/{id}/waiver (funder only, reason required): the obligation is waived for good. */
export async function waiveObligation(
  prisma: PrismaClient,
  clock: Clock,
  p: Principal,
  id: string,
  body: { reason: string },
): Promise<Record<string, unknown>> {
  const funderId = writingFunder(p);
  const reason = (body.reason ?? '').trim();
  return transaction(prisma, async (tx) => {
    const o = await lockFundersObligation(tx, funderId, id);
    if (!o) throw notFound('obligation');
    if (!reason) throw invalid([fieldError('reason', changeTexts.both('reasonRequired'))]);
    const from = o.status as ObligationStatus;
    assertTransition(from, 'waived');
    const at = clock.now();
    await updateObligation(tx, id, { status: 'waived', updatedAt: at });
    await recordTransitions(tx, [{ obligation: refOf(o), from, to: 'waived', reason, actor: actorOf(p), at }]);
    return getObligation(tx, p, id); // answered as GET shows it, from inside the change's transaction
  });
}
