import { eventId } from '@pc/contracts';

/**
 * The reminder of one obligation at one stage: the same obligation and stage always give the same
 * id, so a stage is emitted once however often the evaluation runs (the SQL of the evaluation
 * computes it with `sqlEventId`). Stored, and carried by reminder.due.v1 to the notifier.
 */
export const reminderId = (obligationId: string, stageKey: string): string => eventId(obligationId, stageKey);
