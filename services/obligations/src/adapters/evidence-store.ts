/** Evidence rows: one per (agreement, note), which makes a note count once per agreement. Prisma by key. */
import crypto from 'node:crypto';
import type { NoteFacts } from '../domain/evidence';
import type { Evidence } from '../generated/prisma/client';
import { toDbDate, type Tx } from './prisma';

/** The evidence this note already is in this agreement, if any. */
export function evidenceOfNote(tx: Tx, agreementId: string, noteId: string): Promise<Evidence | null> {
  return tx.evidence.findUnique({ where: { agreementId_noteId: { agreementId, noteId } } });
}

/** Refreshes the note's facts; a withdrawn evidence is current again. */
export async function refreshEvidence(tx: Tx, id: string, note: NoteFacts, late: boolean): Promise<void> {
  await tx.evidence.update({
    where: { id },
    data: {
      noteUrl: note.noteUrl,
      title: note.title,
      publishedOn: note.publishedOn ? toDbDate(note.publishedOn) : null,
      late,
      verifiedAt: new Date(note.verifiedAt),
      withdrawnAt: null,
      withdrawnReason: null,
    },
  });
}

export async function createEvidence(
  tx: Tx,
  obligationId: string,
  agreementId: string,
  note: NoteFacts,
  late: boolean,
): Promise<void> {
  await tx.evidence.create({
    data: {
      id: crypto.randomUUID(),
      obligationId,
      agreementId,
      noteId: note.noteId,
      noteUrl: note.noteUrl,
      title: note.title,
      publishedOn: note.publishedOn ? toDbDate(note.publishedOn) : null,
      late,
      source: note.source,
      verifiedAt: new Date(note.verifiedAt),
    },
  });
}

/** Every evidence of this note not yet withdrawn, across agreements. */
export function currentEvidenceOfNote(tx: Tx, noteId: string): Promise<Evidence[]> {
  return tx.evidence.findMany({ where: { noteId, withdrawnAt: null } });
}

export async function markWithdrawn(tx: Tx, id: string, at: Date, reason: string): Promise<void> {
  await tx.evidence.update({ where: { id }, data: { withdrawnAt: at, withdrawnReason: reason } });
}
