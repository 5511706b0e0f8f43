import type { HandlerResult } from '@pc/bus';
import type { EventData } from '@pc/contracts';
import type { Logger } from '@pc/service-kit';
import { CONNECTOR } from '../domain/evidence';
import type { Clock } from '../domain/ports';
import type { Tx } from '../adapters/prisma';
import { knownAgreements } from '../adapters/agreement-store';
import { obligationMetrics } from '../adapters/metrics';
import { applyNote } from './apply-note';

/** praxis.note.verified.v1: fulfils (or restores) per listed agreement; unknown agreements are ignored and counted. */
export async function recordVerifiedNote(
  tx: Tx,
  d: EventData<'praxis.note.verified.v1'>,
  clock: Clock,
  logger: Logger,
): Promise<HandlerResult> {
  const known = await knownAgreements(tx, d.agreementIds);
  const unknown = d.agreementIds.length - known.length;
  if (unknown > 0) {
    obligationMetrics.notesForUnknownAgreements.inc(unknown);
    // No personal data here: note id and counts only.
    logger.info(
      { noteId: d.noteId, unknownAgreements: unknown, knownAgreements: known.length },
      'verified note mentions agreements this service does not know; ignored for those',
    );
  }
  const at = clock.now();
  let changed = 0;
  for (const a of known.sort((x, y) => x.id.localeCompare(y.id))) {
    const outcome = await applyNote(tx, a.id, { ...d }, at, CONNECTOR);
    if (outcome === 'fulfilled' || outcome === 'restored') changed++;
  }
  return changed > 0 || known.length > 0 ? 'done' : 'skipped';
}
