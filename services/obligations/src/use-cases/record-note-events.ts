import type { BatchItem } from '@pc/bus';
import type { EventData } from '@pc/contracts';
import type { Logger } from '@pc/service-kit';
import { CONNECTOR, isLate } from '../domain/evidence';
import type { TransitionInput } from '../domain/lifecycle';
import type { Clock } from '../domain/ports';
import type { Tx } from '../adapters/prisma';
import { knownAgreements } from '../adapters/agreement-store';
import {
  agreementsWithCurrentEvidence,
  createEvidences,
  evidenceKey,
  existingEvidence,
} from '../adapters/evidence-store';
import { fulfilObligations, lockOpenOfAgreements, type OpenObligation } from '../adapters/obligation-store';
import { recordTransitions } from '../adapters/transition-store';
import { reportUnknownAgreements, recordVerifiedNote } from './record-verified-note';
import { withdrawEvidence } from './withdraw-evidence';

export type NoteItem = BatchItem<'praxis.note.verified.v1' | 'praxis.note.withdrawn.v1'>;
type Verified = EventData<'praxis.note.verified.v1'>;

/**
 * A batch of Praxis note events (a sync discovers notes by the hundred), in delivery order, in one
 * transaction, ending exactly where `recordVerifiedNote` / `withdrawEvidence` applied to each in turn
 * would end.
 *
 * The bulk of a sync is notes new to the agreements they mention: each fulfils the earliest open
 * obligation of its agreement, the next note of the same agreement the next one. Those are applied
 * set-based: the open obligations of their agreements locked and read in one statement, matched to
 * the notes in delivery order, then evidence, obligations and transitions (with their events) written
 * in one statement each. An agreement is left to the per-event path, in delivery order, as soon as
 * anything in the batch could make the order of its events matter: a note already evidence there (a
 * refresh or a return), the same note twice, a withdrawal of a note that is (or the batch makes)
 * evidence there; and so is every agreement of an event that names one such agreement, so that an
 * event is applied whole by one path or the other.
 */
export async function recordNoteEvents(
  tx: Tx,
  items: readonly NoteItem[],
  clock: Clock,
  logger: Logger,
): Promise<void> {
  const verified = items.flatMap((i) => (i.envelope.type === 'praxis.note.verified.v1' ? [i.envelope.data] : []));
  const withdrawnNotes = new Set(
    items.flatMap((i) => (i.envelope.type === 'praxis.note.withdrawn.v1' ? [i.envelope.data.noteId] : [])),
  );
  const known = new Set(
    (await knownAgreements(tx, [...new Set(verified.flatMap((d) => d.agreementIds))])).map((a) => a.id),
  );
  const knownOf = (d: Verified): string[] => [...new Set(d.agreementIds.filter((a) => known.has(a)))].sort();
  const pairs = verified.flatMap((d) => knownOf(d).map((agreementId) => ({ agreementId, noteId: d.noteId })));
  const used = await existingEvidence(tx, pairs);

  // Agreements whose events must run one by one, in order.
  const ordered = await agreementsWithCurrentEvidence(tx, [...withdrawnNotes]);
  const seen = new Set<string>();
  for (const p of pairs) {
    const key = evidenceKey(p.agreementId, p.noteId);
    if (used.has(key) || seen.has(key) || withdrawnNotes.has(p.noteId)) ordered.add(p.agreementId);
    seen.add(key);
  }
  // An event is applied whole by one path: one that names an ordered agreement orders all it names.
  for (let grew = true; grew;) {
    grew = false;
    for (const d of verified) {
      const ids = knownOf(d);
      if (ids.some((a) => ordered.has(a)) && ids.some((a) => !ordered.has(a))) {
        ids.forEach((a) => ordered.add(a));
        grew = true;
      }
    }
  }

  const at = clock.now();
  const isBulk = (d: Verified): boolean => knownOf(d).every((a) => !ordered.has(a));
  const bulk = verified.filter(isBulk);
  for (const d of bulk) reportUnknownAgreements(d, knownOf(d).length, logger);
  await fulfilWithNewNotes(tx, bulk, at, knownOf);

  for (const { envelope } of items) {
    if (envelope.type === 'praxis.note.withdrawn.v1') await withdrawEvidence(tx, envelope.data, clock);
    else if (!isBulk(envelope.data)) await recordVerifiedNote(tx, envelope.data, clock, logger);
  }
}

/**
 * Notes new to their agreements, in delivery order: the k-th note of an agreement fulfils its k-th
 * open obligation (what `applyNote` does one note at a time); a declared note is left to the
 * grantee's request, and a note beyond the open obligations finds nothing open.
 */
async function fulfilWithNewNotes(
  tx: Tx,
  notes: readonly Verified[],
  at: Date,
  knownOf: (d: Verified) => string[],
): Promise<void> {
  const claims = notes.filter((d) => d.source !== 'declared').flatMap((d) => knownOf(d).map((a) => ({ a, d })));
  if (claims.length === 0) return;
  const open = new Map<string, OpenObligation[]>();
  for (const o of await lockOpenOfAgreements(tx, [...new Set(claims.map((c) => c.a))])) {
    const list = open.get(o.agreementId) ?? [];
    list.push(o);
    open.set(o.agreementId, list);
  }
  const evidence: Array<{ obligationId: string; agreementId: string; note: Verified; late: boolean }> = [];
  const transitions: TransitionInput[] = [];
  for (const { a, d } of claims) {
    const o = open.get(a)?.shift();
    if (!o) continue; // nothing open
    const late = isLate(d, o.dueDate);
    evidence.push({ obligationId: o.id, agreementId: a, note: d, late });
    const { status, sequence: _sequence, ...ref } = o;
    transitions.push({
      obligation: ref,
      from: status,
      to: 'fulfilled',
      actor: CONNECTOR,
      at,
      reason: 'note verified on Praxis',
      evidence: { noteUrl: d.noteUrl, title: d.title, publishedOn: d.publishedOn, late },
    });
  }
  await createEvidences(tx, evidence);
  await fulfilObligations(
    tx,
    evidence.map((e) => ({ id: e.obligationId, fulfilledAt: e.note.verifiedAt, late: e.late })),
    at,
  );
  await recordTransitions(tx, transitions);
}
