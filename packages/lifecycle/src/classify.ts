import { addDays } from './days';
import { earliestStageOffset, type ReminderStage } from './stages';

/** The classes an obligation takes from the calendar alone, before anyone acts on it. */
export type TimeClass = 'upcoming' | 'due_soon' | 'overdue';

/**
 * Class of an obligation due on `dueDate`, as of the day `asOf`: `overdue` from the day after the
 * due date; `due_soon` from the programme's earliest reminder stage; `upcoming` before that.
 * The earliest stage is not clamped to the due day: when every stage falls after the due date the
 * obligation goes straight from `upcoming` to `overdue`, because nobody was told it was due soon.
 * The evaluation's CLASSIFY_SQL is the set-based form of this function (checked by an oracle test).
 */
export function classify(
  dueDate: string,
  asOf: string,
  stages: readonly Pick<ReminderStage, 'offsetDays'>[] | null | undefined,
): TimeClass {
  if (asOf > dueDate) return 'overdue';
  return asOf >= addDays(dueDate, earliestStageOffset(stages)) ? 'due_soon' : 'upcoming';
}
