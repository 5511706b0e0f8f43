import fc from 'fast-check';
import { addDays, classify, DEFAULT_STAGES, earliestStageOffset, normaliseStages, type TimeClass } from '../src';
import { ADD_DAYS_CASES, CLASSIFICATION_CASES, stages } from './cases';

describe('classification as of a day (pure)', () => {
  it.each(CLASSIFICATION_CASES.map((c) => [c.why, c] as const))('%s', (_why, c) => {
    expect(classify(c.dueDate, c.asOf, c.stages)).toBe(c.expected);
  });

  const order: Record<TimeClass, number> = { upcoming: 0, due_soon: 1, overdue: 2 };
  const day = fc.integer({ min: 0, max: 3000 }).map((n) => addDays('2026-01-01', n));
  const policy = fc.array(fc.record({ offsetDays: fc.integer({ min: -365, max: 365 }), escalate: fc.boolean() }), {
    maxLength: 10,
  });

  it('never goes back as the days pass, and is overdue exactly from the day after the due date', () => {
    fc.assert(
      fc.property(day, day, fc.integer({ min: 1, max: 400 }), policy, (due, asOf, later, p) => {
        const now = classify(due, asOf, p);
        expect(order[classify(due, addDays(asOf, later), p)]).toBeGreaterThanOrEqual(order[now]);
        expect(now === 'overdue').toBe(asOf > due);
      }),
    );
  });

  it('is due_soon exactly from the earliest stage to the due day (none when every stage is after it)', () => {
    fc.assert(
      fc.property(day, policy, (due, p) => {
        const start = addDays(due, earliestStageOffset(p));
        expect(classify(due, addDays(start, -1), p)).not.toBe('due_soon');
        expect(classify(due, start, p)).toBe(start > due ? 'overdue' : 'due_soon');
      }),
    );
  });
});

describe('reminder policy (pure)', () => {
  it('has the default stages D-30, D-7, D0, D+7 and D+30, the last one escalating', () => {
    expect(DEFAULT_STAGES).toEqual([
      { offsetDays: -30, escalate: false },
      { offsetDays: -7, escalate: false },
      { offsetDays: 0, escalate: false },
      { offsetDays: 7, escalate: false },
      { offsetDays: 30, escalate: true },
    ]);
    expect(Object.isFrozen(DEFAULT_STAGES) && DEFAULT_STAGES.every((s) => Object.isFrozen(s))).toBe(true);
  });

  it('stores a policy sorted, one stage per day (the last given wins), and the default when empty or missing', () => {
    expect(
      normaliseStages([
        { offsetDays: 7, escalate: false },
        { offsetDays: -3, escalate: false },
        { offsetDays: 7, escalate: true },
      ]),
    ).toEqual([
      { offsetDays: -3, escalate: false },
      { offsetDays: 7, escalate: true },
    ]);
    expect(normaliseStages([])).toEqual(DEFAULT_STAGES);
    expect(normaliseStages(null)).toEqual(DEFAULT_STAGES);
    expect(normaliseStages(undefined)).not.toBe(DEFAULT_STAGES); // a copy the caller may keep
  });

  it.each([
    ['the default', [], -30],
    ['no policy at all', null, -30],
    ['one stage', stages(-7), -7],
    ['an unsorted policy', stages(7, -10, 0), -10],
    ['only stages after the due date', stages(5, 30), 5],
  ] as const)('earliest stage of %s: %i', (_name, policy, expected) => {
    expect(earliestStageOffset(policy)).toBe(expected);
  });
});

describe('calendar days (pure)', () => {
  it.each(ADD_DAYS_CASES)('%s plus %i days is %s', (date, days, expected) => {
    expect(addDays(date, days)).toBe(expected);
  });
});
