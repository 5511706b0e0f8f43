import { enqueue } from '@pc/bus';
import { AppError, notFound, type Locale } from '@pc/service-kit';
import { details } from '../domain/messages';
import { bumpAgreementsOf, lockGrantees, relink } from '../adapters/grantee-store';
import type { Transact } from '../adapters/prisma';
import { granteeView, snapshotOf } from '../adapters/views';
import type { Actor } from './amend-agreement';

/**
 * POST /v1/grantees/{id}/link (admin): confirms that grantee `id` (one funder's) is the same
 * organisation as `targetId` (another funder's, same NEQ). From then on `id`, and any grantee that
 * was linked to it, show the target's organisation id (the one it stands for, if it is itself
 * linked): every active agreement naming them sends an amended snapshot with that id, so the
 * grantee's key sees the obligations of every linked funder and the notifier and reports follow.
 * Linking to the organisation already shown changes nothing.
 */
export async function linkGrantee(
  transact: Transact,
  id: string,
  targetId: string,
  actor: Actor,
  locale: Locale,
): Promise<{ grantee: Record<string, unknown>; agreementsUpdated: number }> {
  return transact(async (tx) => {
    const rows = await lockGrantees(tx, [id, targetId]);
    const source = rows.find((r) => r.id === id);
    if (!source) throw notFound('grantee', 'organisme');
    const target = rows.find((r) => r.id === targetId);
    const refuse = (key: 'link_unknown_target' | 'link_self' | 'link_neq'): never => {
      throw new AppError('validation_failed', details.both('invalid_link'), [
        { path: 'granteeId', message: details.t('en', key), fr: details.t('fr', key) },
      ]);
    };
    if (!target) return refuse('link_unknown_target');
    if (target.id === source.id) return refuse('link_self');
    if (!source.neq || source.neq !== target.neq) return refuse('link_neq');
    // Links point at an organisation that stands for itself (one hop), so the target's if it has one.
    const canonical = target.linkedToId ?? target.id;
    const before = source.linkedToId ?? source.id;
    if (canonical === before) {
      return { grantee: granteeView(source), agreementsUpdated: 0 };
    }
    const now = new Date();
    const moved = await relink(tx, source.id, canonical, actor.keyId, now);
    const agreements = await bumpAgreementsOf(
      tx,
      moved,
      { actorKeyId: actor.keyId, reason: details.t(locale, 'linked_reason'), before, after: canonical },
      now,
    );
    if (agreements.length > 0)
      await enqueue(
        tx,
        agreements.map((a) => ({
          type: 'agreement.amended.v1' as const,
          subject: a.id,
          data: { ...snapshotOf(a), changes: ['grantee'], actor: { kind: 'api_key' as const, id: actor.keyId } },
        })),
      );
    const [fresh] = await lockGrantees(tx, [source.id]);
    return { grantee: granteeView(fresh!), agreementsUpdated: agreements.length };
  }, 30_000);
}
