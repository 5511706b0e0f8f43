/** Evidence rules: when a note is late, and how a note's facts reach the obligations service. */
import { todayInMontreal } from '@pc/service-kit';
import type { Actor } from './lifecycle';

/** A verified Praxis note, whichever way it arrived (a feed, the grantee's declaration, a re-verification). */
export interface NoteFacts {
  noteUrl: string;
  noteId: string;
  title: string;
  publishedOn: string | null;
  firstSeenAt: string;
  verifiedAt: string;
  source: 'feed' | 'declared' | 'reverify';
}

/** What applying a note to an agreement did. */
export type FulfilOutcome = 'fulfilled' | 'restored' | 'refreshed' | 'already_used' | 'nothing_open';

/** The actor of changes the Praxis connector's events cause. */
export const CONNECTOR: Actor = { kind: 'system', id: 'praxis-connector' };

/** Published after the due date (publication unknown → the day the system first saw the note). */
export function isLate(note: Pick<NoteFacts, 'publishedOn' | 'firstSeenAt'>, dueDate: string): boolean {
  const published = note.publishedOn ?? todayInMontreal(new Date(note.firstSeenAt));
  return published > dueDate;
}
