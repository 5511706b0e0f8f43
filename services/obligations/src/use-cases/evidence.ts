import crypto from 'node:crypto';
import type { EventData } from '@pc/contracts';
import type { HandlerResult } from '@pc/bus';
import { todayInMontreal, type Logger } from '@pc/service-kit';
import { OPEN, type ObligationStatus } from '../domain/lifecycle';
import type { Clock } from '../domain/ports';
import type { Tx } from '../adapters/prisma';
import { fromDbDate, recordTransitions, refOf, toDbDate, type Actor } from './transitions';
import { obligationMetrics } from '../adapters/metrics';

export interface NoteFacts {
  noteUrl: string; noteId: string; title: string; publishedOn: string | null; firstSeenAt: string; verifiedAt: string;
  source: 'feed' | 'declared' | 'reverify';
}

const CONNECTOR: Actor = { kind: 'system', id: 'praxis-connector' };

/** Published after the due date (publication unknown → the day the system first saw the note). */
export function isLate(note: Pick<NoteFacts, 'publishedOn' | 'firstSeenAt'>, dueDate: string): boolean {
  const published = note.publishedOn ?? todayInMontreal(new Date(note.firstSeenAt));
  return published > dueDate;
}

interface ObligationRow { id: string; status: string }

/** The open obligation of an agreement a new note fulfils: earliest due date first, then sequence. */
async function lockCandidate(tx: Tx, agreementId: string): Promise<ObligationRow | null> {
  const rows = await tx.$queryRawUnsafe<ObligationRow[]>(
    `SELECT id, status FROM obligation WHERE agreement_id = $1::uuid AND status = ANY($2::text[])
     ORDER BY due_date, sequence, id LIMIT 1 FOR UPDATE`, agreementId, [...OPEN]);
  return rows[0] ?? null;
}

export type FulfilOutcome = 'fulfilled' | 'restored' | 'refreshed' | 'already_used' | 'nothing_open';

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
export async function applyNote(tx: Tx, agreementId: string, note: NoteFacts, at: Date, actor: Actor,
  onlyObligationId?: string): Promise<FulfilOutcome> {
  const used = await tx.evidence.findUnique({ where: { agreementId_noteId: { agreementId, noteId: note.noteId } }, include: { obligation: true } });
  if (used) {
    if (onlyObligationId && used.obligationId !== onlyObligationId) return 'already_used';
    await tx.$queryRawUnsafe('SELECT 1 FROM obligation WHERE id = $1::uuid FOR UPDATE', used.obligationId);
    const o = await tx.obligation.findUniqueOrThrow({ where: { id: used.obligationId } });
    const late = isLate(note, fromDbDate(o.dueDate));
    await tx.evidence.update({
      where: { id: used.id },
      data: { noteUrl: note.noteUrl, title: note.title, publishedOn: note.publishedOn ? toDbDate(note.publishedOn) : null, late,
        verifiedAt: new Date(note.verifiedAt), withdrawnAt: null, withdrawnReason: null },
    });
    const from = o.status as ObligationStatus;
    if (from === 'fulfilled') return 'refreshed';
    if (!OPEN.includes(from)) return 'refreshed'; // waived or cancelled meanwhile: evidence kept, state unchanged
    await tx.obligation.update({ where: { id: o.id }, data: { status: 'fulfilled', fulfilledAt: new Date(note.verifiedAt), late, updatedAt: at } });
    await recordTransitions(tx, [{
      obligation: refOf(o), from, to: 'fulfilled', actor, at,
      reason: from === 'evidence_withdrawn' ? 'the note is public again' : 'note verified on Praxis',
      evidence: { noteUrl: note.noteUrl, title: note.title, publishedOn: note.publishedOn, late },
    }]);
    return 'restored';
  }
  if (!onlyObligationId && note.source === 'declared') return 'nothing_open';
  let target: ObligationRow | null;
  if (onlyObligationId) {
    const rows = await tx.$queryRawUnsafe<ObligationRow[]>('SELECT id, status FROM obligation WHERE id = $1::uuid FOR UPDATE', onlyObligationId);
    target = rows[0] && OPEN.includes(rows[0].status as ObligationStatus) ? rows[0] : null;
  } else {
    target = await lockCandidate(tx, agreementId);
  }
  if (!target) return 'nothing_open';
  const o = await tx.obligation.findUniqueOrThrow({ where: { id: target.id } });
  const late = isLate(note, fromDbDate(o.dueDate));
  await tx.evidence.create({
    data: {
      id: crypto.randomUUID(), obligationId: o.id, agreementId, noteId: note.noteId, noteUrl: note.noteUrl, title: note.title,
      publishedOn: note.publishedOn ? toDbDate(note.publishedOn) : null, late, source: note.source, verifiedAt: new Date(note.verifiedAt),
    },
  });
  await tx.obligation.update({ where: { id: o.id }, data: { status: 'fulfilled', fulfilledAt: new Date(note.verifiedAt), late, updatedAt: at } });
  await recordTransitions(tx, [{
    obligation: refOf(o), from: o.status as ObligationStatus, to: 'fulfilled', actor, at,
    reason: note.source === 'declared' ? 'note declared by the grantee and verified on Praxis' : 'note verified on Praxis',
    evidence: { noteUrl: note.noteUrl, title: note.title, publishedOn: note.publishedOn, late },
  }]);
  return 'fulfilled';
}

/** praxis.note.verified.v1: fulfils (or restores) per listed agreement; unknown agreements are ignored and counted. */
export async function recordVerifiedNote(tx: Tx, d: EventData<'praxis.note.verified.v1'>, clock: Clock, logger: Logger): Promise<HandlerResult> {
  const known = await tx.agreement.findMany({ where: { id: { in: d.agreementIds } }, select: { id: true, status: true } });
  const unknown = d.agreementIds.length - known.length;
  if (unknown > 0) {
    obligationMetrics.notesForUnknownAgreements.inc(unknown);
    // No personal data here: note id and counts only.
    logger.info({ noteId: d.noteId, unknownAgreements: unknown, knownAgreements: known.length }, 'verified note mentions agreements this service does not know; ignored for those');
  }
  const at = clock.now();
  let changed = 0;
  for (const a of known.sort((x, y) => x.id.localeCompare(y.id))) {
    const outcome = await applyNote(tx, a.id, { ...d }, at, CONNECTOR);
    if (outcome === 'fulfilled' || outcome === 'restored') changed++;
  }
  return changed > 0 || known.length > 0 ? 'done' : 'skipped';
}

/** praxis.note.withdrawn.v1: obligations this note fulfilled become evidence_withdrawn. */
export async function withdrawEvidence(tx: Tx, d: EventData<'praxis.note.withdrawn.v1'>, clock: Clock): Promise<HandlerResult> {
  const evidence = await tx.evidence.findMany({ where: { noteId: d.noteId, withdrawnAt: null } });
  if (evidence.length === 0) return 'skipped';
  const at = clock.now();
  for (const e of evidence) {
    await tx.$queryRawUnsafe('SELECT 1 FROM obligation WHERE id = $1::uuid FOR UPDATE', e.obligationId);
    await tx.evidence.update({ where: { id: e.id }, data: { withdrawnAt: new Date(d.at), withdrawnReason: d.reason } });
    const o = await tx.obligation.findUniqueOrThrow({ where: { id: e.obligationId } });
    if (o.status !== 'fulfilled') continue;
    await tx.obligation.update({ where: { id: o.id }, data: { status: 'evidence_withdrawn', updatedAt: at } });
    await recordTransitions(tx, [{
      obligation: refOf(o), from: 'fulfilled', to: 'evidence_withdrawn', actor: CONNECTOR, at,
      reason: `the note is no longer public on Praxis (${d.reason})`,
    }]);
  }
  return 'done';
}
