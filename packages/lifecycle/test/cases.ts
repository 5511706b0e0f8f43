/**
 * The tables of cases for the life-cycle rules. The unit tests run the TypeScript rules over them;
 * the obligations service's oracle test runs the evaluation's SQL over the very same rows on a real
 * PostgreSQL and requires identical results, so the two forms of each rule cannot drift apart.
 */
import type { ReminderStage, TimeClass } from '../src';

export const stage = (offsetDays: number, escalate = false): ReminderStage => ({ offsetDays, escalate });
/** A policy from offsets alone (no escalation). */
export const stages = (...offsets: number[]): ReminderStage[] => offsets.map((o) => stage(o));

export interface ClassificationCase {
  why: string;
  dueDate: string;
  asOf: string;
  /** the programme's policy as registered; null: the programme is not known (the default applies) */
  stages: readonly ReminderStage[] | null;
  expected: TimeClass;
}

const D = '2027-07-15';
/** The life-cycle table: every boundary of upcoming → due_soon → overdue, for several policies and calendar corners. */
export const CLASSIFICATION_CASES: readonly ClassificationCase[] = [
  { why: 'before the default earliest stage', dueDate: D, asOf: '2027-06-14', stages: null, expected: 'upcoming' },
  { why: 'D-30 starts due_soon', dueDate: D, asOf: '2027-06-15', stages: null, expected: 'due_soon' },
  {
    why: 'well before: still upcoming',
    dueDate: D,
    asOf: '2027-06-01',
    stages: stages(-30, -7, 0, 7, 30),
    expected: 'upcoming',
  },
  { why: 'the due day itself is due_soon', dueDate: D, asOf: D, stages: null, expected: 'due_soon' },
  { why: 'the day after the due date is overdue', dueDate: D, asOf: '2027-07-16', stages: null, expected: 'overdue' },
  { why: 'long after: overdue', dueDate: D, asOf: '2028-07-16', stages: null, expected: 'overdue' },
  { why: 'an empty policy means the default one', dueDate: D, asOf: '2027-06-15', stages: [], expected: 'due_soon' },
  { why: 'a -7 policy: due_soon from D-7', dueDate: D, asOf: '2027-07-08', stages: stages(-7), expected: 'due_soon' },
  { why: 'a -7 policy: upcoming on D-8', dueDate: D, asOf: '2027-07-07', stages: stages(-7), expected: 'upcoming' },
  {
    why: 'a later stage does not move the start',
    dueDate: D,
    asOf: '2027-07-08',
    stages: stages(-7, 3),
    expected: 'due_soon',
  },
  {
    why: 'an unsorted policy: its earliest stage counts',
    dueDate: D,
    asOf: '2027-07-05',
    stages: stages(7, -10),
    expected: 'due_soon',
  },
  {
    why: 'an unsorted policy: the day before its earliest stage',
    dueDate: D,
    asOf: '2027-07-04',
    stages: stages(7, -10),
    expected: 'upcoming',
  },
  {
    why: 'a D0 policy: upcoming the day before',
    dueDate: D,
    asOf: '2027-07-14',
    stages: stages(0),
    expected: 'upcoming',
  },
  { why: 'a D0 policy: due_soon on the due day', dueDate: D, asOf: D, stages: stages(0), expected: 'due_soon' },
  {
    why: 'only stages after the due date: upcoming the day before',
    dueDate: D,
    asOf: '2027-07-14',
    stages: stages(5),
    expected: 'upcoming',
  },
  // The case agreements and obligations used to disagree on: nobody has been reminded yet, so the
  // obligation is not "due soon"; it becomes overdue the next day.
  {
    why: 'only stages after the due date: upcoming on the due day',
    dueDate: D,
    asOf: D,
    stages: stages(5),
    expected: 'upcoming',
  },
  {
    why: 'only stages after the due date (+7, +30): upcoming on the due day',
    dueDate: D,
    asOf: D,
    stages: stages(7, 30),
    expected: 'upcoming',
  },
  {
    why: 'only stages after the due date: overdue the day after',
    dueDate: D,
    asOf: '2027-07-16',
    stages: stages(5),
    expected: 'overdue',
  },
  {
    why: 'only stages after the due date: overdue on the first stage',
    dueDate: D,
    asOf: '2027-07-20',
    stages: stages(5),
    expected: 'overdue',
  },
  {
    why: 'leap year: D-30 of 2024-03-30 is 2024-02-29',
    dueDate: '2024-03-30',
    asOf: '2024-02-29',
    stages: null,
    expected: 'due_soon',
  },
  { why: 'leap year: the day before', dueDate: '2024-03-30', asOf: '2024-02-28', stages: null, expected: 'upcoming' },
  {
    why: 'leap day due: D-30 is 2028-01-30',
    dueDate: '2028-02-29',
    asOf: '2028-01-30',
    stages: null,
    expected: 'due_soon',
  },
  {
    why: 'leap day due: the day before D-30',
    dueDate: '2028-02-29',
    asOf: '2028-01-29',
    stages: null,
    expected: 'upcoming',
  },
  {
    why: 'leap day due: overdue on March 1st',
    dueDate: '2028-02-29',
    asOf: '2028-03-01',
    stages: null,
    expected: 'overdue',
  },
  {
    why: '2100 is not a leap year: D-30 of March 1st is January 30',
    dueDate: '2100-03-01',
    asOf: '2100-01-30',
    stages: null,
    expected: 'due_soon',
  },
  {
    why: '2100 is not a leap year: the day before',
    dueDate: '2100-03-01',
    asOf: '2100-01-29',
    stages: null,
    expected: 'upcoming',
  },
  {
    why: '2100 is not a leap year: February 28 due, overdue on March 1st',
    dueDate: '2100-02-28',
    asOf: '2100-03-01',
    stages: null,
    expected: 'overdue',
  },
  {
    why: 'month end: D-30 of March 31 is March 1',
    dueDate: '2027-03-31',
    asOf: '2027-03-01',
    stages: null,
    expected: 'due_soon',
  },
  {
    why: 'month end: February 28 is before it',
    dueDate: '2027-03-31',
    asOf: '2027-02-28',
    stages: null,
    expected: 'upcoming',
  },
  {
    why: 'month end: D-30 of March 1 is January 30',
    dueDate: '2027-03-01',
    asOf: '2027-01-30',
    stages: null,
    expected: 'due_soon',
  },
  { why: 'month end: the day before', dueDate: '2027-03-01', asOf: '2027-01-29', stages: null, expected: 'upcoming' },
  {
    why: 'year end: D-7 of January 1 is December 25',
    dueDate: '2028-01-01',
    asOf: '2027-12-25',
    stages: stages(-7),
    expected: 'due_soon',
  },
  {
    why: 'year end: the day before',
    dueDate: '2028-01-01',
    asOf: '2027-12-24',
    stages: stages(-7),
    expected: 'upcoming',
  },
  {
    why: 'year end: overdue on January 2',
    dueDate: '2028-01-01',
    asOf: '2028-01-02',
    stages: stages(-7),
    expected: 'overdue',
  },
  {
    why: 'DST starts (2027-03-14): D-30 is 2027-02-12',
    dueDate: '2027-03-14',
    asOf: '2027-02-12',
    stages: null,
    expected: 'due_soon',
  },
  {
    why: 'DST starts: the day before D-30',
    dueDate: '2027-03-14',
    asOf: '2027-02-11',
    stages: null,
    expected: 'upcoming',
  },
  {
    why: 'DST starts: due on the change day, due_soon that day',
    dueDate: '2027-03-14',
    asOf: '2027-03-14',
    stages: null,
    expected: 'due_soon',
  },
  {
    why: 'DST starts: overdue the day after the change',
    dueDate: '2027-03-14',
    asOf: '2027-03-15',
    stages: null,
    expected: 'overdue',
  },
  {
    why: 'DST starts: D-30 falls on the change day',
    dueDate: '2027-04-13',
    asOf: '2027-03-14',
    stages: null,
    expected: 'due_soon',
  },
  {
    why: 'DST starts: the day before the change',
    dueDate: '2027-04-13',
    asOf: '2027-03-13',
    stages: null,
    expected: 'upcoming',
  },
  {
    why: 'DST ends (2027-11-07): D-30 is 2027-10-08',
    dueDate: '2027-11-07',
    asOf: '2027-10-08',
    stages: null,
    expected: 'due_soon',
  },
  {
    why: 'DST ends: the day before D-30',
    dueDate: '2027-11-07',
    asOf: '2027-10-07',
    stages: null,
    expected: 'upcoming',
  },
  {
    why: 'DST ends: overdue the day after the change',
    dueDate: '2027-11-07',
    asOf: '2027-11-08',
    stages: null,
    expected: 'overdue',
  },
  {
    why: 'DST ends: D-30 falls on the change day',
    dueDate: '2027-12-07',
    asOf: '2027-11-07',
    stages: null,
    expected: 'due_soon',
  },
  {
    why: 'DST ends: the day before the change',
    dueDate: '2027-12-07',
    asOf: '2027-11-06',
    stages: null,
    expected: 'upcoming',
  },
  {
    why: 'DST starts (2026-03-08), a -1 policy: due_soon on the change day',
    dueDate: '2026-03-09',
    asOf: '2026-03-08',
    stages: stages(-1),
    expected: 'due_soon',
  },
  {
    why: 'DST ends (2026-11-01), a -1 policy: upcoming the day before the change',
    dueDate: '2026-11-02',
    asOf: '2026-10-31',
    stages: stages(-1),
    expected: 'upcoming',
  },
];

/** Whole-day arithmetic, the same table for TypeScript and PostgreSQL (`date + integer`). */
export const ADD_DAYS_CASES: ReadonlyArray<readonly [date: string, days: number, expected: string]> = [
  ['2027-07-15', 0, '2027-07-15'],
  ['2027-07-15', -30, '2027-06-15'],
  ['2027-07-15', 30, '2027-08-14'],
  ['2024-03-30', -30, '2024-02-29'],
  ['2028-02-29', 1, '2028-03-01'],
  ['2028-02-28', 1, '2028-02-29'],
  ['2027-02-28', 1, '2027-03-01'],
  ['2100-02-28', 1, '2100-03-01'],
  ['2000-02-28', 1, '2000-02-29'],
  ['2027-12-31', 1, '2028-01-01'],
  ['2028-01-01', -7, '2027-12-25'],
  ['2027-01-31', 30, '2027-03-02'],
  ['2027-03-14', -30, '2027-02-12'],
  ['2027-03-13', 1, '2027-03-14'],
  ['2027-03-14', 1, '2027-03-15'],
  ['2027-11-07', -30, '2027-10-08'],
  ['2027-11-06', 1, '2027-11-07'],
  ['2027-11-07', 7, '2027-11-14'],
  ['2026-03-08', -30, '2026-02-06'],
  ['2026-11-01', 30, '2026-12-01'],
  ['2027-10-31', 7, '2027-11-07'],
  ['2027-07-15', 365, '2028-07-14'],
  ['2028-07-15', -365, '2027-07-16'],
];

/**
 * Calendar corners the oracle sweeps, each used as a due date and as an evaluation day: the
 * daylight-saving changes in Montréal (March and November), month ends and leap days.
 */
export const CALENDAR_DAYS: readonly string[] = [
  '2026-03-08',
  '2026-11-01',
  '2027-03-14',
  '2027-11-07',
  '2028-03-12',
  '2028-11-05', // DST changes, America/Montreal
  '2027-01-31',
  '2027-02-28',
  '2027-03-01',
  '2027-04-30',
  '2027-12-31',
  '2028-01-01', // month and year ends
  '2024-02-29',
  '2028-02-29',
  '2028-03-01',
  '2100-02-28',
  '2100-03-01', // leap days (2100 is not a leap year)
];

/** Policies the oracle sweeps: the default, mixed, one on the day, only after the due date, wide, escalating. */
export const POLICIES: ReadonlyArray<readonly ReminderStage[]> = [
  [],
  stages(-7, 3),
  stages(0),
  stages(5),
  stages(7, 30),
  stages(-60, 0),
  [stage(-1), stage(14, true)],
];
