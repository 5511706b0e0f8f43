/** Evidence rows: one per (agreement, note), which makes a note count once per agreement. Prisma by key; plain SQL for sets. */
import crypto from 'node:crypto';
import type { SqlTx } from '@pc/bus';
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

/** Of these (agreement, note) pairs, those that are already evidence, as `agreementId note:noteId` keys. */
export async function existingEvidence(
  tx: SqlTx,
  pairs: ReadonlyArray<{ agreementId: string; noteId: string }>,
): Promise<Set<string>> {
  if (pairs.length === 0) return new Set();
  const rows = await tx.$queryRawUnsafe<{ agreement_id: string; note_id: string }[]>(
    `SELECT e.agreement_id, e.note_id FROM evidence e
     JOIN unnest($1::uuid[], $2::text[]) AS p(agreement_id, note_id) ON p.agreement_id = e.agreement_id AND p.note_id = e.note_id`,
    pairs.map((p) => p.agreementId),
    pairs.map((p) => p.noteId),
  );
  return new Set(rows.map((r) => evidenceKey(r.agreement_id, r.note_id)));
}

export const evidenceKey = (agreementId: string, noteId: string): string => `${agreementId} note:${noteId}`;

/** The agreements in which one of these notes is current (not withdrawn) evidence. */
export async function agreementsWithCurrentEvidence(tx: SqlTx, noteIds: readonly string[]): Promise<Set<string>> {
  if (noteIds.length === 0) return new Set();
  const rows = await tx.$queryRawUnsafe<{ agreement_id: string }[]>(
    'SELECT DISTINCT agreement_id FROM evidence WHERE note_id = ANY($1::text[]) AND withdrawn_at IS NULL',
    [...noteIds],
  );
  return new Set(rows.map((r) => r.agreement_id));
}

/** New evidence rows, one statement (as `createEvidence` writes each). */
export async function createEvidences(
  tx: SqlTx,
  rows: ReadonlyArray<{ obligationId: string; agreementId: string; note: NoteFacts; late: boolean }>,
): Promise<void> {
  if (rows.length === 0) return;
  const col = <T>(f: (r: (typeof rows)[number]) => T): T[] => rows.map(f);
  await tx.$executeRawUnsafe(
    `INSERT INTO evidence (id, obligation_id, agreement_id, note_id, note_url, title, published_on, late, source, verified_at)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::date[], $8::boolean[],
       $9::text[], $10::timestamptz[])`,
    col(() => crypto.randomUUID()),
    col((r) => r.obligationId),
    col((r) => r.agreementId),
    col((r) => r.note.noteId),
    col((r) => r.note.noteUrl),
    col((r) => r.note.title),
    col((r) => r.note.publishedOn),
    col((r) => r.late),
    col((r) => r.note.source),
    col((r) => new Date(r.note.verifiedAt).toISOString()), // the instant as `createEvidence` stores it (a JS Date)
  );
}
