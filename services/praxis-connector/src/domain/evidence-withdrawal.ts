import type { NotPublicReason, PageContent, PageOutcome } from './page';
import { mentions, scanText } from './references';

/**
 * When verified evidence counts as withdrawn: the one rule behind `praxis.note.withdrawn.v1` and the
 * `reverify` form of `praxis.note.verified.v1`, for notes found in a feed and notes a grantee declared.
 *
 * Only a definite answer from Praxis withdraws a note: the page is gone (404, 410), needs a sign-in
 * (login redirect, 401), is private (403 or "Visibilité privée"), or no longer mentions the
 * reference of any agreement it was matched to. An outage (timeout, connection, 5xx) or a page that
 * cannot be judged (refused, unreadable, or one robots.txt forbids us to read) changes nothing, so a
 * Praxis incident never withdraws evidence.
 * A note is withdrawn once (no second event while it stays withdrawn) and restored when it is public
 * and mentions a reference again.
 */
export type WithdrawalReason = NotPublicReason | 'reference_removed';

/** An agreement a note is matched to, as far as the rule needs it. */
export interface MatchedAgreement {
  id: string;
  referenceCode: string;
  externalRef: string | null;
}

export type EvidenceVerdict =
  /** Praxis did not answer: nothing changes, the next run checks again. */
  | { kind: 'unavailable'; message: string }
  /** The page was refused or could not be read: nothing changes. */
  | { kind: 'unjudged' }
  /** Withdrawn; `newly` when the note was not withdrawn before (an event is due). */
  | { kind: 'withdrawn'; reason: WithdrawalReason; httpStatus: number | null; newly: boolean }
  /** Still evidence for these agreements; `restored` when it had been withdrawn (an event is due). */
  | { kind: 'public'; content: PageContent; agreementIds: string[]; restored: boolean };

/**
 * The verdict on a note already matched to `agreements` (in match order) given what its page answered
 * now; `state` is the note's stored state (`public` or `withdrawn`).
 */
export function evidenceVerdict(
  state: string,
  outcome: PageOutcome,
  agreements: readonly MatchedAgreement[],
): EvidenceVerdict {
  const wasWithdrawn = state === 'withdrawn';
  switch (outcome.kind) {
    case 'unavailable':
      return { kind: 'unavailable', message: outcome.message };
    case 'refused':
    case 'invalid':
    case 'disallowed':
      return { kind: 'unjudged' };
    case 'not_public':
      return { kind: 'withdrawn', reason: outcome.reason, httpStatus: outcome.httpStatus, newly: !wasWithdrawn };
    case 'public': {
      const text = scanText(outcome.content.text);
      const still = agreements
        .filter((a) => mentions(text, a.referenceCode, 'referenceCode') || mentions(text, a.externalRef, 'externalRef'))
        .map((a) => a.id);
      if (still.length === 0)
        return { kind: 'withdrawn', reason: 'reference_removed', httpStatus: 200, newly: !wasWithdrawn };
      return { kind: 'public', content: outcome.content, agreementIds: still, restored: wasWithdrawn };
    }
  }
}
