import type { HandlerResult } from '@pc/bus';
import type { EventData } from '@pc/contracts';
import { CONNECTOR } from '../domain/evidence';
import type { Clock } from '../domain/ports';
import type { Tx } from '../adapters/prisma';
import { currentEvidenceOfNote, markWithdrawn } from '../adapters/evidence-store';
import { lockObligation, obligationById, refOf, updateObligation } from '../adapters/obligation-store';
import { recordTransitions } from '../adapters/transition-store';

/** praxis.note.withdrawn.v1: obligations this note fulfilled become evidence_withdrawn. */
export async function withdrawEvidence(
  tx: Tx,
  d: EventData<'praxis.note.withdrawn.v1'>,
  clock: Clock,
): Promise<HandlerResult> {
  const evidence = await currentEvidenceOfNote(tx, d.noteId);
  if (evidence.length === 0) return 'skipped';
  const at = clock.now();
  for (const e of evidence) {
    await lockObligation(tx, e.obligationId);
    await markWithdrawn(tx, e.id, new Date(d.at), d.reason);
    const o = await obligationById(tx, e.obligationId);
    if (o.status !== 'fulfilled') continue;
    await updateObligation(tx, o.id, { status: 'evidence_withdrawn', updatedAt: at });
    await recordTransitions(tx, [
      {
        obligation: refOf(o),
        from: 'fulfilled',
        to: 'evidence_withdrawn',
        actor: CONNECTOR,
        at,
        reason: `the note is no longer public on Praxis (${d.reason})`,
      },
    ]);
  }
  return 'done';
}
