import type { HandlerResult } from '@pc/bus';
import type { EventData } from '@pc/contracts';
import { OPEN, type ObligationStatus } from '../domain/lifecycle';
import type { Clock } from '../domain/ports';
import type { Tx } from '../adapters/prisma';
import { lockAgreement, markTerminated, saveTombstone } from '../adapters/agreement-store';
import { cancelObligations, obligationsOfAgreement, refOf } from '../adapters/obligation-store';
import { recordTransitions } from '../adapters/transition-store';

/**
 * agreement.terminated.v1: every open obligation becomes cancelled; fulfilled ones stay fulfilled. A
 * termination that arrives before the registration leaves a tombstone so the late registration is ignored.
 */
export async function terminateAgreement(
  tx: Tx,
  d: EventData<'agreement.terminated.v1'>,
  clock: Clock,
): Promise<HandlerResult> {
  const stored = await lockAgreement(tx, d.agreementId);
  if (stored && stored.revision >= d.revision) return 'skipped';
  if (!stored) {
    await saveTombstone(tx, d);
    return 'done';
  }
  const at = clock.now();
  await markTerminated(tx, d.agreementId, d.revision, at);
  const open = await obligationsOfAgreement(tx, d.agreementId, OPEN);
  await cancelObligations(
    tx,
    open.map((o) => o.id),
    at,
  );
  await recordTransitions(
    tx,
    open.map((o) => ({
      obligation: refOf(o),
      from: o.status as ObligationStatus,
      to: 'cancelled' as const,
      reason: d.reason || 'agreement terminated',
      actor: d.actor,
      at,
    })),
  );
  return 'done';
}
