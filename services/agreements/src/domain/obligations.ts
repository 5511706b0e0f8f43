/**
 * Obligation derivation (pure): requirement kind × count × due rule → dated obligations, and the
 * reconciliation an amendment performs. The initial status shown before the obligations service
 * reports any transition is `classify` of @pc/lifecycle, the rule that service applies itself.
 */
import { classify } from '@pc/lifecycle';
import { addDuration, LAST_DUE_DATE, parseDuration } from './calendar';
import type { DueRule, Issue, ObligationKind, RequirementSpec } from './agreement';

export interface AgreementDates {
  startDate: string;
  endDate: string;
  signedAt: string | null;
}
export interface DerivedObligation {
  requirementId: string;
  sequence: number;
  kind: ObligationKind;
  dueDate: string;
}

/** The due date a rule gives for these agreement dates. Throws on a rule validation let through. */
export function dueDateOf(rule: DueRule, dates: AgreementDates): string {
  if ('date' in rule) return rule.date;
  const anchor = rule.anchor === 'start' ? dates.startDate : rule.anchor === 'end' ? dates.endDate : dates.signedAt;
  if (!anchor) throw new Error(`anchor ${rule.anchor} has no date`);
  const dur = parseDuration(rule.offset);
  if (!dur) throw new Error(`invalid duration ${rule.offset}`);
  return addDuration(anchor, dur);
}

/** A derived date the system refuses to keep (a year past 2100, or one that no longer has four digits). */
const tooLate = (date: string): boolean => date.length !== 10 || date > LAST_DUE_DATE;

const ANCHOR_PATH = { start: 'startDate', end: 'endDate', signature: 'signedAt' } as const;

/**
 * Requirements whose due date, for these agreement dates, falls after LAST_DUE_DATE: one issue
 * each. A requirement the caller sent is named by its rule (`requirements[1].due.offset`); a
 * programme default, which the caller did not write, by the agreement date it is computed from.
 */
export function lateDueIssues(
  dates: AgreementDates,
  requirements: RequirementSpec[],
  fromDefaults: boolean,
  base = 'requirements',
): Issue[] {
  const out: Issue[] = [];
  requirements.forEach((r, i) => {
    const due = dueDateOf(r.due, dates);
    if (!tooLate(due)) return;
    const path = fromDefaults
      ? 'date' in r.due
        ? 'programmeCode'
        : ANCHOR_PATH[r.due.anchor]
      : `${base}[${i}].due.${'date' in r.due ? 'date' : 'offset'}`;
    out.push({ path, code: 'due_too_late', params: { value: due, max: LAST_DUE_DATE } });
  });
  return out;
}

/**
 * Every obligation of an agreement: a requirement with count n yields sequences 1..n, all due on
 * the rule's date (the clause asks for n notes by that date, not one per period).
 */
export function deriveObligations(
  dates: AgreementDates,
  requirements: Array<RequirementSpec & { id: string }>,
): DerivedObligation[] {
  const out: DerivedObligation[] = [];
  for (const r of requirements) {
    const dueDate = dueDateOf(r.due, dates);
    for (let sequence = 1; sequence <= r.count; sequence++)
      out.push({ requirementId: r.id, sequence, kind: r.kind, dueDate });
  }
  return out;
}

export type ObligationStatus =
  'upcoming' | 'due_soon' | 'overdue' | 'fulfilled' | 'extended' | 'waived' | 'cancelled' | 'evidence_withdrawn';

/** Statuses an amendment must not touch: their date is history (fulfilled, waived) or moot (cancelled). */
export const SETTLED: ReadonlySet<string> = new Set(['fulfilled', 'waived', 'cancelled']);

/** Statuses that follow from the calendar alone: recomputed when a due date moves. */
const CALENDAR_STATUSES: ReadonlySet<string> = new Set(['upcoming', 'due_soon', 'overdue']);

/**
 * The status of an open obligation whose date an amendment moved: one the calendar decides is
 * decided again for the new date; one the obligations service reported (extended,
 * evidence_withdrawn) stays until that service reports otherwise.
 */
export function statusAfterMove(
  current: string,
  dueDate: string,
  today: string,
  stages: ReadonlyArray<{ offsetDays: number }>,
): string {
  return CALENDAR_STATUSES.has(current) ? classify(dueDate, today, stages) : current;
}

export interface ExistingObligation {
  id: string;
  requirementId: string;
  sequence: number;
  kind: ObligationKind;
  dueDate: string;
  status: string;
  retired: boolean;
}

export interface Reconciliation {
  /** open obligations whose derived date or kind changed (old values kept for history) */
  changed: Array<{
    id: string;
    kind: ObligationKind;
    dueDate: string;
    previousDueDate: string;
    previousKind: ObligationKind;
  }>;
  /** (requirement, sequence) newly required: the caller mints ids (or revives a retired row) */
  added: DerivedObligation[];
  /** retired rows required again: same id comes back */
  revived: Array<{ id: string; dueDate: string; kind: ObligationKind }>;
  /** open obligations no longer required */
  retired: string[];
}

/**
 * What an amendment does to the obligations: the ones not settled follow the new derivation (same
 * id for the same requirement × sequence), settled ones keep their date and are never removed.
 */
export function reconcile(existing: ExistingObligation[], desired: DerivedObligation[]): Reconciliation {
  const key = (o: { requirementId: string; sequence: number }): string => `${o.requirementId}#${o.sequence}`;
  const byKey = new Map(existing.map((e) => [key(e), e]));
  const wanted = new Set(desired.map(key));
  const r: Reconciliation = { changed: [], added: [], revived: [], retired: [] };
  for (const d of desired) {
    const e = byKey.get(key(d));
    if (!e) {
      r.added.push(d);
      continue;
    }
    if (SETTLED.has(e.status)) continue;
    if (e.retired) {
      r.revived.push({ id: e.id, dueDate: d.dueDate, kind: d.kind });
      continue;
    }
    if (e.dueDate !== d.dueDate || e.kind !== d.kind) {
      r.changed.push({ id: e.id, kind: d.kind, dueDate: d.dueDate, previousDueDate: e.dueDate, previousKind: e.kind });
    }
  }
  for (const e of existing) {
    if (!e.retired && !wanted.has(key(e)) && !SETTLED.has(e.status)) r.retired.push(e.id);
  }
  return r;
}
