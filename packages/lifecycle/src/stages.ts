/**
 * A programme's reminder policy: the stages (days relative to the due date) at which a grantee is
 * reminded, and the earliest of them, which is also the day an obligation becomes due soon.
 * Which stage a run sends is decided set-based in the evaluation's SQL over these stored stages.
 */
export interface ReminderStage {
  offsetDays: number;
  escalate: boolean;
}

/** Default policy: 30 and 7 days before, on the day, 7 days after, 30 days after with escalation. */
export const DEFAULT_STAGES: readonly ReminderStage[] = Object.freeze(
  [
    { offsetDays: -30, escalate: false },
    { offsetDays: -7, escalate: false },
    { offsetDays: 0, escalate: false },
    { offsetDays: 7, escalate: false },
    { offsetDays: 30, escalate: true },
  ].map((s) => Object.freeze(s)),
);

/**
 * The stages as they are stored: sorted by day, one per day (the last one given for a day wins), and
 * the default policy when none is given. The evaluation's SQL relies on this shape.
 */
export function normaliseStages(stages: readonly ReminderStage[] | null | undefined): ReminderStage[] {
  const list = stages && stages.length > 0 ? stages : DEFAULT_STAGES;
  const byOffset = new Map<number, ReminderStage>();
  for (const s of list) byOffset.set(s.offsetDays, { offsetDays: s.offsetDays, escalate: s.escalate });
  return [...byOffset.values()].sort((a, b) => a.offsetDays - b.offsetDays);
}

/**
 * The earliest stage of a policy (an empty or missing policy is the default one). It may fall after
 * the due date: a programme that only reminds afterwards has no due-soon period at all.
 */
export function earliestStageOffset(stages: readonly Pick<ReminderStage, 'offsetDays'>[] | null | undefined): number {
  const list = stages && stages.length > 0 ? stages : DEFAULT_STAGES;
  let earliest = Infinity;
  for (const s of list) if (s.offsetDays < earliest) earliest = s.offsetDays;
  return earliest;
}
