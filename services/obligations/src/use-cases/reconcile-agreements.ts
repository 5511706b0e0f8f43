import type { BatchItem } from '@pc/bus';
import { classify, normaliseStages } from '@pc/lifecycle';
import { assertTransition } from '../domain/lifecycle';
import type { Clock } from '../domain/ports';
import type { Tx } from '../adapters/prisma';
import { createAgreements, lockAgreements, type NewAgreement } from '../adapters/snapshot-store';
import { storedStagesOf } from '../adapters/programme-store';
import { creationReason, reconcileAgreement } from './reconcile-agreement';

export type SnapshotItem = BatchItem<'agreement.registered.v1' | 'agreement.amended.v1'>;

/**
 * A batch of agreement snapshots (registered or amended), in delivery order, in one transaction,
 * ending exactly where `reconcileAgreement` applied to each in turn would end.
 *
 * The bulk of a burst is agreements this service has never seen: the first snapshot of such an
 * agreement in the batch creates it with all its obligations — what `reconcileAgreement` does for
 * an unknown agreement — and all of those are written by one statement. Every other snapshot (of a
 * stored agreement, or a later one of an agreement the batch creates: an amendment, a replay, a
 * stale revision) then goes through `reconcileAgreement` in delivery order, after the creations,
 * so each agreement still sees its own snapshots in order. Agreements are independent of each other
 * (a programme's policy, which they share, arrives as its own event and splits the batch), so only
 * the order within one agreement matters.
 */
export async function reconcileAgreements(tx: Tx, items: readonly SnapshotItem[], clock: Clock): Promise<void> {
  const stored = await lockAgreements(tx, [...new Set(items.map((i) => i.data.agreementId))]);
  const creating = new Set<string>();
  const first: SnapshotItem[] = [];
  const later: SnapshotItem[] = [];
  for (const item of items) {
    const id = item.data.agreementId;
    if (stored.has(id) || creating.has(id)) later.push(item);
    else {
      creating.add(id);
      first.push(item);
    }
  }
  if (first.length > 0) {
    const stages = await storedStagesOf(tx, [...new Set(first.map((i) => i.data.programmeId))]);
    const today = clock.today();
    const created: NewAgreement[] = first.map(({ data, envelope }) => {
      const policy = normaliseStages(stages.get(data.programmeId));
      return {
        snapshot: data,
        statuses: data.obligations.map((o) => {
          const status = classify(o.dueDate, today, policy);
          assertTransition(null, status);
          return status;
        }),
        reason: creationReason(envelope.type === 'agreement.amended.v1'),
        actor: data.actor,
      };
    });
    await createAgreements(tx, created, clock.now());
  }
  for (const { data, envelope } of later)
    await reconcileAgreement(tx, data, clock, envelope.type === 'agreement.amended.v1');
}
