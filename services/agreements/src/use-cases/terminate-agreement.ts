import { enqueue } from '@pc/bus';
import { AppError, notFound, type Locale } from '@pc/service-kit';
import { details } from '../domain/messages';
import { SETTLED } from '../domain/obligations';
import { appendHistory, lockAgreement, saveTermination } from '../adapters/agreement-store';
import type { Transact } from '../adapters/prisma';
import type { Actor } from './amend-agreement';

/**
 * POST /v1/agreements/{id}/terminate: open obligations become cancelled (settled ones are history
 * and stay); the history row and one terminated event commit with the change.
 */
export async function terminateAgreement(
  transact: Transact,
  funderId: string,
  id: string,
  reason: string,
  actor: Actor,
  locale: Locale,
): Promise<void> {
  await transact(async (tx) => {
    const a = await lockAgreement(tx, id, funderId);
    if (!a) throw notFound('agreement');
    if (a.status === 'terminated') throw new AppError('conflict', details.t(locale, 'terminated'));
    const now = new Date();
    const revision = a.revision + 1;
    const open = a.obligations.filter((o) => !SETTLED.has(o.status));
    await saveTermination(tx, id, { reason, revision, cancelled: open.map((o) => o.id) }, now);
    await appendHistory(tx, {
      agreementId: id,
      revision,
      kind: 'terminated',
      reason,
      changes: ['status'],
      actorKeyId: actor.keyId,
      before: { status: a.status, obligations: open.map((o) => ({ id: o.id, status: o.status })) },
      after: { status: 'terminated', obligations: open.map((o) => ({ id: o.id, status: 'cancelled' })) },
    });
    await enqueue(tx, [
      {
        type: 'agreement.terminated.v1',
        subject: id,
        data: { agreementId: id, funderId, reason, revision, actor: { kind: 'api_key', id: actor.keyId } },
      },
    ]);
  }, 30_000);
}
