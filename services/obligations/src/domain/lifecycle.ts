/**
 * The obligation life cycle: pure rules, no I/O.
 *
 *   upcoming → due_soon → overdue → fulfilled
 *   any open state → extended (new due date; the next evaluation moves it back to upcoming/due_soon/overdue)
 *                  → waived | cancelled (agreement terminated or obligation removed by an amendment)
 *   fulfilled → evidence_withdrawn (note private/gone) → fulfilled (note back, or another note)
 *
 * Which of upcoming / due_soon / overdue the calendar gives is `classify` in @pc/lifecycle (shared
 * with the agreements service, which shows that status before any transition arrives).
 */
import { obligationStatus, type EventData } from '@pc/contracts';
import { AppError } from '@pc/service-kit';
import { transitionTexts } from './messages';

/** The states, as the event catalog lists them (the one list every service reads). */
export type ObligationStatus = EventData<'obligation.transitioned.v1'>['to'];
export const STATUSES: readonly ObligationStatus[] = obligationStatus.options;

/** States the daily evaluation classifies and sends reminders for (time drives them). */
export const TIME_DRIVEN: readonly ObligationStatus[] = ['upcoming', 'due_soon', 'overdue', 'extended'];
/** States in which an obligation still waits for something: evidence, an extension, a waiver, a cancellation. */
export const OPEN: readonly ObligationStatus[] = [...TIME_DRIVEN, 'evidence_withdrawn'];
export const isOpen = (s: ObligationStatus): boolean => OPEN.includes(s);

/**
 * Allowed transitions. A self-loop records a due-date move (an amendment) that leaves the state
 * unchanged; `extended → extended` is a second extension.
 */
const ALLOWED: Record<ObligationStatus, readonly ObligationStatus[]> = {
  upcoming: ['upcoming', 'due_soon', 'overdue', 'fulfilled', 'extended', 'waived', 'cancelled'],
  due_soon: ['due_soon', 'upcoming', 'overdue', 'fulfilled', 'extended', 'waived', 'cancelled'],
  overdue: ['overdue', 'upcoming', 'due_soon', 'fulfilled', 'extended', 'waived', 'cancelled'],
  extended: ['upcoming', 'due_soon', 'overdue', 'fulfilled', 'extended', 'waived', 'cancelled'],
  evidence_withdrawn: ['evidence_withdrawn', 'fulfilled', 'extended', 'waived', 'cancelled'],
  fulfilled: ['evidence_withdrawn'],
  waived: [],
  cancelled: [],
};
/** A new obligation starts in the class of its due date. */
const INITIAL: readonly ObligationStatus[] = ['upcoming', 'due_soon', 'overdue'];

export function canTransition(from: ObligationStatus | null, to: ObligationStatus): boolean {
  return from === null ? INITIAL.includes(to) : ALLOWED[from].includes(to);
}

/** Throws AppError('conflict') naming both states when the life cycle forbids the move. */
export function assertTransition(from: ObligationStatus | null, to: ObligationStatus): void {
  if (canTransition(from, to)) return;
  if (from === null) throw new AppError('conflict', transitionTexts.both('cannotStart', to));
  throw new AppError('conflict', transitionTexts.both('cannotBecome', from, to, ALLOWED[from].length === 0));
}

/** Who made a move: an API key (funder, grantee) or a system actor (evaluation, Praxis connector). */
export type Actor = EventData<'obligation.transitioned.v1'>['actor'];

/** What obligation.transitioned.v1 says of the obligation that moved. */
export interface ObligationRef {
  id: string;
  agreementId: string;
  funderId: string;
  programmeId: string;
  granteeId: string;
  kind: EventData<'obligation.transitioned.v1'>['kind'];
  dueDate: string;
}

/** One move of the life cycle, as history keeps it and the event announces it. */
export interface TransitionInput {
  obligation: ObligationRef;
  from: ObligationStatus | null;
  to: ObligationStatus;
  reason: string | null;
  actor: Actor;
  at: Date;
  previousDueDate?: string;
  evidence?: { noteUrl: string; title: string; publishedOn: string | null; late: boolean };
}
