import { AppError, notFound, type Locale, type Principal } from '@pc/service-kit';
import { actorOf, ownedBy, ownerScopeOf } from '../domain/access';
import { isOpen, type ObligationStatus } from '../domain/lifecycle';
import { messages } from '../domain/messages';
import type { Check, Clock, NoteVerifier } from '../domain/ports';
import { fromDbDate, transaction, type PrismaClient } from '../adapters/prisma';
import { findObligationView, findObligationWithAgreement, type ObligationView } from '../adapters/obligation-store';
import { applyNote } from './apply-note';

export interface DeclareResult {
  accepted: boolean;
  checks: Check[];
  obligation: ObligationView;
}

/**
 * POST /v1/obligations/{id}/evidence (the grantee that owns the obligation): the Praxis connector
 * verifies the URL now (four checks), this service adds `not_already_used` (it owns evidence), and
 * when all five pass the obligation is fulfilled in the same request (transition, evidence row and
 * outbox event in one transaction). A refused URL changes nothing and says why, check by check.
 */
export async function declareEvidence(
  deps: { prisma: PrismaClient; verifier: NoteVerifier; clock: Clock },
  p: Principal,
  id: string,
  url: string,
  locale: Locale,
): Promise<DeclareResult> {
  const owner = ownerScopeOf(p);
  const o = await findObligationWithAgreement(deps.prisma, id);
  if (!o || !ownedBy(owner, { granteeId: o.granteeId, contactEmails: o.agreement.contactEmails }))
    throw notFound('obligation');
  if (!isOpen(o.status as ObligationStatus)) {
    throw new AppError('conflict', {
      en: `this obligation is ${o.status.replace('_', ' ')}: evidence can only be declared for an open obligation`,
      fr: `cette obligation est close (${o.status}) : une preuve ne se déclare que pour une obligation ouverte`,
    });
  }
  const a = o.agreement;
  const verdict = await deps.verifier.verify({
    url,
    locale,
    agreement: {
      id: a.id,
      funderId: a.funderId,
      referenceCode: a.referenceCode,
      externalRef: a.externalRef,
      startDate: a.startDate ? fromDbDate(a.startDate) : fromDbDate(o.dueDate),
      dueDate: fromDbDate(o.dueDate),
    },
  });
  const m = messages[locale];
  const note = verdict.note;
  let accepted = false;
  let notUsed: Check;
  if (!note || !verdict.checks.every((c) => c.passed)) {
    notUsed = { name: 'not_already_used', passed: false, detail: m.notReached };
  } else {
    const outcome = await transaction(deps.prisma, (tx) =>
      applyNote(
        tx,
        a.id,
        {
          noteUrl: note.url,
          noteId: note.noteId,
          title: note.title,
          publishedOn: note.publishedOn,
          firstSeenAt: note.firstSeenAt,
          verifiedAt: note.verifiedAt,
          source: 'declared',
        },
        deps.clock.now(),
        actorOf(p),
        id,
      ),
    );
    accepted = outcome === 'fulfilled' || outcome === 'restored' || outcome === 'refreshed';
    if (outcome === 'nothing_open') {
      throw new AppError('conflict', {
        en: 'this obligation was closed while the note was being verified',
        fr: 'cette obligation a été close pendant la vérification de la note',
      });
    }
    notUsed = { name: 'not_already_used', passed: accepted, detail: accepted ? m.notUsed : m.alreadyUsed };
  }
  const obligation = await findObligationView(deps.prisma, id);
  if (!obligation) throw notFound('obligation');
  return { accepted, checks: [...verdict.checks, notUsed], obligation };
}
