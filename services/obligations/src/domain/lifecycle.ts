/**
 * The obligation life cycle (product brief): pure rules, no I/O.
 *
 *   upcoming → due_soon → overdue → fulfilled
 *   any open state → extended (new due date; the next evaluation moves it back to upcoming/due_soon/overdue)
 *                  → waived | cancelled (agreement terminated or obligation removed by an amendment)
 *   fulfilled → evidence_withdrawn (note private/gone) → fulfilled (note back, or another note)
 */
import { AppError } from '@pc/service-kit';

export const STATUSES = ['upcoming', 'due_soon', 'overdue', 'fulfilled', 'extended', 'waived', 'cancelled', 'evidence_withdrawn'] as const;
export type ObligationStatus = (typeof STATUSES)[number];

/** States the daily evaluation classifies and sends reminders for (time drives them). */
export const TIME_DRIVEN: readonly ObligationStatus[] = ['upcoming', 'due_soon', 'overdue', 'extended'];
/** States in which an obligation still waits for something: evidence, an extension, a waiver, a cancellation. */
export const OPEN: readonly ObligationStatus[] = [...TIME_DRIVEN, 'evidence_withdrawn'];
/** Classes the evaluation assigns from the due date alone. */
export type TimeClass = 'upcoming' | 'due_soon' | 'overdue';

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

const describe: Record<ObligationStatus, string> = {
  upcoming: 'upcoming', due_soon: 'due soon', overdue: 'overdue', fulfilled: 'fulfilled', extended: 'extended',
  waived: 'waived', cancelled: 'cancelled', evidence_withdrawn: 'evidence withdrawn',
};
const décrire: Record<ObligationStatus, string> = {
  upcoming: 'à venir', due_soon: 'à échéance proche', overdue: 'en retard', fulfilled: 'remplie', extended: 'prolongée',
  waived: 'levée', cancelled: 'annulée', evidence_withdrawn: 'à preuve retirée',
};

/** Throws AppError('conflict') naming both states when the life cycle forbids the move. */
export function assertTransition(from: ObligationStatus | null, to: ObligationStatus): void {
  if (canTransition(from, to)) return;
  if (from === null) throw new AppError('conflict', { en: `an obligation cannot start as ${describe[to]}`, fr: `une obligation ne peut pas commencer ${décrire[to]}` });
  const final = ALLOWED[from].length === 0;
  throw new AppError('conflict', {
    en: `an obligation that is ${describe[from]} cannot become ${describe[to]}${final ? ` (${describe[from]} is final)` : ''}`,
    fr: `une obligation ${décrire[from]} ne peut pas devenir ${décrire[to]}${final ? ' (état définitif)' : ''}`,
  });
}

// ---- calendar dates (YYYY-MM-DD, America/Montreal days; arithmetic in UTC is exact for dates) ----

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

// ---- reminder policy ----

export interface ReminderStage { offsetDays: number; escalate: boolean }

/** Default policy (brief): 30 and 7 days before, on the day, 7 days after, 30 days after with escalation. */
export const DEFAULT_STAGES: readonly ReminderStage[] = [
  { offsetDays: -30, escalate: false }, { offsetDays: -7, escalate: false }, { offsetDays: 0, escalate: false },
  { offsetDays: 7, escalate: false }, { offsetDays: 30, escalate: true },
];

/** 'D-30', 'D-7', 'D0', 'D+7', 'D+30'. The SQL of the evaluation builds the same keys. */
export function stageKey(offsetDays: number): string {
  return offsetDays === 0 ? 'D0' : offsetDays < 0 ? `D${offsetDays}` : `D+${offsetDays}`;
}

export function normaliseStages(stages: readonly ReminderStage[] | null | undefined): ReminderStage[] {
  const list = stages && stages.length > 0 ? stages : DEFAULT_STAGES;
  const byOffset = new Map<number, ReminderStage>();
  for (const s of list) byOffset.set(s.offsetDays, { offsetDays: s.offsetDays, escalate: s.escalate });
  return [...byOffset.values()].sort((a, b) => a.offsetDays - b.offsetDays);
}

/**
 * Class of an obligation on `asOf`: `due_soon` starts with the programme's earliest stage (never
 * later than the due day), `overdue` the day after the due date.
 */
export function classify(dueDate: string, asOf: string, stages: readonly ReminderStage[]): TimeClass {
  if (asOf > dueDate) return 'overdue';
  const earliest = Math.min(0, ...normaliseStages(stages).map((s) => s.offsetDays));
  return asOf >= addDays(dueDate, earliest) ? 'due_soon' : 'upcoming';
}

export interface StageDecision {
  /** the stage to send now, or null */
  send: (ReminderStage & { key: string }) | null;
  /** earlier stages that applied but were never sent: recorded as skipped, not sent */
  skipped: string[];
}

/**
 * Which reminder stage to send on `asOf`. Only the latest stage that applies is sent, so after
 * downtime a grantee gets one current reminder rather than a burst of stale ones; the earlier stages
 * not yet recorded are marked skipped. A stage already recorded (sent or skipped) is never repeated.
 * The evaluation's SQL implements exactly this rule; this function is its specification.
 */
export function decideStages(dueDate: string, asOf: string, stages: readonly ReminderStage[], recorded: ReadonlySet<string>): StageDecision {
  const applicable = normaliseStages(stages).filter((s) => addDays(dueDate, s.offsetDays) <= asOf);
  const latest = applicable.at(-1);
  if (!latest || recorded.has(stageKey(latest.offsetDays))) return { send: null, skipped: [] };
  const skipped = applicable.slice(0, -1).map((s) => stageKey(s.offsetDays)).filter((k) => !recorded.has(k));
  return { send: { ...latest, key: stageKey(latest.offsetDays) }, skipped };
}
