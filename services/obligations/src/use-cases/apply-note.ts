import { OPEN, type Actor, type ObligationStatus } from '../domain/lifecycle';
import { isLate, type FulfilOutcome, type NoteFacts } from '../domain/evidence';
import { fromDbDate, type Tx } from '../adapters/prisma';
import { createEvidence, evidenceOfNote, refreshEvidence } from '../adapters/evidence-store';
import {
  lockFirstOpen,
  lockObligation,
  obligationById,
  refOf,
  updateObligation,
  type Obligation,
} from '../adapters/obligation-store';
import { recordTransitions } from '../adapters/transition-store';

/**
 * Applies a verified note to one agreement. A note fulfils at most one obligation per agreement
 * (one obligation of one requirement; a requirement with count 2 needs two distinct notes), enforced
 * by the unique (agreement, note) evidence row:
 *  - note already evidence in this agreement → refresh it; if it had been withdrawn, the obligation
 *    returns to fulfilled;
 *  - otherwise the earliest open obligation of the agreement (or `onlyObligationId`) is fulfilled.
 * A `declared` note arriving as an event only refreshes existing evidence: the grantee's request
 * fulfils the obligation it named in its own transaction, and the connector's event for the same
 * note may arrive first — letting it pick "the earliest open obligation" would steal the note from
 * the obligation the grantee chose. (A declaration lost midway is caught by the next re-verification.)
 */
export async function applyNote(
  tx: Tx,
  agreementId: string,
  note: NoteFacts,
  at: Date,
  actor: Actor,
  onlyObligationId?: string,
): Promise<FulfilOutcome> {
  const used = await evidenceOfNote(tx, agreementId, note.noteId);
  if (used) {
    if (onlyObligationId && used.obligationId !== onlyObligationId) return 'already_used';
    await lockObligation(tx, used.obligationId);
    const o = await obligationById(tx, used.obligationId);
    const late = isLate(note, fromDbDate(o.dueDate));
    await refreshEvidence(tx, used.id, note, late);
    const from = o.status as ObligationStatus;
    if (from === 'fulfilled') return 'refreshed';
    if (!OPEN.includes(from)) return 'refreshed'; // waived or cancelled meanwhile: evidence kept, state unchanged
    await fulfil(
      tx,
      o,
      note,
      late,
      { from, actor, at },
      from === 'evidence_withdrawn' ? 'the note is public again' : 'note verified on Praxis',
    );
    return 'restored';
  }
  if (!onlyObligationId && note.source === 'declared') return 'nothing_open';
  let target: { id: string; status: string } | null;
  if (onlyObligationId) {
    const locked = await lockObligation(tx, onlyObligationId);
    target = locked && OPEN.includes(locked.status as ObligationStatus) ? locked : null;
  } else {
    target = await lockFirstOpen(tx, agreementId);
  }
  if (!target) return 'nothing_open';
  const o = await obligationById(tx, target.id);
  const late = isLate(note, fromDbDate(o.dueDate));
  await createEvidence(tx, o.id, agreementId, note, late);
  await fulfil(
    tx,
    o,
    note,
    late,
    { from: o.status as ObligationStatus, actor, at },
    note.source === 'declared' ? 'note declared by the grantee and verified on Praxis' : 'note verified on Praxis',
  );
  return 'fulfilled';
}

/** The note's obligation becomes fulfilled, and history says why with the note as its evidence. */
async function fulfil(
  tx: Tx,
  o: Obligation,
  note: NoteFacts,
  late: boolean,
  move: { from: ObligationStatus; actor: Actor; at: Date },
  reason: string,
): Promise<void> {
  await updateObligation(tx, o.id, {
    status: 'fulfilled',
    fulfilledAt: new Date(note.verifiedAt),
    late,
    updatedAt: move.at,
  });
  await recordTransitions(tx, [
    {
      obligation: refOf(o),
      ...move,
      to: 'fulfilled',
      reason,
      evidence: { noteUrl: note.noteUrl, title: note.title, publishedOn: note.publishedOn, late },
    },
  ]);
}
