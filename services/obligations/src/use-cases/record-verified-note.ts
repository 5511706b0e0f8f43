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
  reportUnknownAgreements(d, known.length, logger);
  const at = clock.now();
  let changed = 0;
  for (const a of known.sort((x, y) => x.id.localeCompare(y.id))) {
    const outcome = await applyNote(tx, a.id, { ...d }, at, CONNECTOR);
    if (outcome === 'fulfilled' || outcome === 'restored') changed++;
  }
  return changed > 0 || known.length > 0 ? 'done' : 'skipped';
}

/** Agreements a note names that this service does not know are ignored, counted and logged (no personal data: note id and counts). */
export function reportUnknownAgreements(d: EventData<'praxis.note.verified.v1'>, known: number, logger: Logger): void {
  const unknown = d.agreementIds.length - known;
  if (unknown <= 0) return;
  obligationMetrics.notesForUnknownAgreements.inc(unknown);
  logger.info(
    { noteId: d.noteId, unknownAgreements: unknown, knownAgreements: known },
    'verified note mentions agreements this service does not know; ignored for those',
  );
}
