import type { EventData } from '@pc/contracts';
import { isLocale, type Locale } from '@pc/service-kit';
import { daysBetween } from './calendar';

/** A reminder stage as stored in the ledger: the reminder.due.v1 payload without its contacts. */
export type ReminderStage = Omit<EventData<'reminder.due.v1'>, 'contacts'>;

/** How firmly a stage is worded, from gentle to the last stage that copies the funder. */
export type Tone = 'upcoming' | 'soon' | 'overdue' | 'final';
const order: Tone[] = ['upcoming', 'soon', 'overdue', 'final'];

export function toneOf(stage: ReminderStage): Tone {
  if (stage.stage.escalate) return 'final';
  const days = daysBetween(stage.asOf, stage.obligation.dueDate);
  if (days < 0) return 'overdue';
  if (days <= 7) return 'soon';
  return 'upcoming';
}

export const firmest = (tones: Tone[]): Tone =>
  tones.reduce<Tone>((a, b) => (order.indexOf(b) > order.indexOf(a) ? b : a), 'upcoming');

export const asLocale = (v: string | null | undefined): Locale | null => (isLocale(v) ? v : null);
