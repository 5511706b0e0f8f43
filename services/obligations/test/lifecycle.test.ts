import { AppError } from '@pc/service-kit';
import {
  assertTransition, canTransition, classify, decideStages, DEFAULT_STAGES, normaliseStages, stageKey, STATUSES, type ObligationStatus,
} from '../src/domain/lifecycle';
import { eventId } from '@pc/contracts';
import { reminderId } from '../src/domain/ids';

describe('obligation state machine (pure)', () => {
  // Every (from, to) pair of the life cycle, allowed or not: the table is the specification.
  const allowed: Record<ObligationStatus | 'null', ObligationStatus[]> = {
    null: ['upcoming', 'due_soon', 'overdue'],
    upcoming: ['upcoming', 'due_soon', 'overdue', 'fulfilled', 'extended', 'waived', 'cancelled'],
    due_soon: ['due_soon', 'upcoming', 'overdue', 'fulfilled', 'extended', 'waived', 'cancelled'],
    overdue: ['overdue', 'upcoming', 'due_soon', 'fulfilled', 'extended', 'waived', 'cancelled'],
    extended: ['upcoming', 'due_soon', 'overdue', 'fulfilled', 'extended', 'waived', 'cancelled'],
    evidence_withdrawn: ['evidence_withdrawn', 'fulfilled', 'extended', 'waived', 'cancelled'],
    fulfilled: ['evidence_withdrawn'],
    waived: [],
    cancelled: [],
  };
  const table = (Object.keys(allowed) as (ObligationStatus | 'null')[]).flatMap((from) =>
    STATUSES.map((to) => [from, to, allowed[from].includes(to)] as const));

  it.each(table)('%s → %s allowed: %s', (from, to, ok) => {
    const f = from === 'null' ? null : from;
    expect(canTransition(f, to)).toBe(ok);
    if (ok) expect(() => assertTransition(f, to)).not.toThrow();
    else expect(() => assertTransition(f, to)).toThrow(AppError);
  });

  it('refuses an illegal transition with a conflict naming both states', () => {
    try { assertTransition('waived', 'fulfilled'); throw new Error('no throw'); } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('conflict');
      expect((err as AppError).status).toBe(409);
      expect((err as AppError).message).toBe('an obligation that is waived cannot become fulfilled (waived is final)');
    }
    expect(() => assertTransition('fulfilled', 'extended')).toThrow('an obligation that is fulfilled cannot become extended');
    expect(() => assertTransition(null, 'fulfilled')).toThrow('an obligation cannot start as fulfilled');
  });
});

describe('classification as of a day (pure)', () => {
  it.each([
    ['2027-07-15', '2027-06-14', DEFAULT_STAGES, 'upcoming'],
    ['2027-07-15', '2027-06-15', DEFAULT_STAGES, 'due_soon'], // D-30 starts due_soon
    ['2027-07-15', '2027-07-15', DEFAULT_STAGES, 'due_soon'], // the due day itself
    ['2027-07-15', '2027-07-16', DEFAULT_STAGES, 'overdue'],  // the day after
    ['2027-07-15', '2027-07-08', [{ offsetDays: -7, escalate: false }], 'due_soon'],
    ['2027-07-15', '2027-07-07', [{ offsetDays: -7, escalate: false }], 'upcoming'],
    ['2027-07-15', '2027-07-08', [{ offsetDays: -7, escalate: false }, { offsetDays: 3, escalate: false }], 'due_soon'],
    ['2027-07-15', '2027-07-14', [{ offsetDays: 5, escalate: false }], 'upcoming'], // only stages after: due_soon is the due day
    ['2027-07-15', '2027-07-15', [{ offsetDays: 5, escalate: false }], 'due_soon'],
    ['2024-03-30', '2024-02-29', DEFAULT_STAGES, 'due_soon'], // leap year arithmetic
  ] as const)('due %s as of %s → %s', (due, asOf, stages, expected) => {
    expect(classify(due, asOf, stages)).toBe(expected);
  });
});

describe('reminder stages (pure)', () => {
  it('names stages D-30, D-7, D0, D+7, D+30', () => {
    expect(DEFAULT_STAGES.map((s) => stageKey(s.offsetDays))).toEqual(['D-30', 'D-7', 'D0', 'D+7', 'D+30']);
    expect(DEFAULT_STAGES.at(-1)).toEqual({ offsetDays: 30, escalate: true });
  });

  it('sorts and de-duplicates a programme policy, and falls back to the default when empty', () => {
    expect(normaliseStages([{ offsetDays: 7, escalate: false }, { offsetDays: -3, escalate: false }, { offsetDays: 7, escalate: true }]))
      .toEqual([{ offsetDays: -3, escalate: false }, { offsetDays: 7, escalate: true }]);
    expect(normaliseStages([])).toEqual(DEFAULT_STAGES);
  });

  const none = new Set<string>();
  it.each([
    ['before any stage', '2027-06-14', none, null, []],
    ['on D-30', '2027-06-15', none, 'D-30', []],
    ['between D-30 and D-7, D-30 sent', '2027-07-01', new Set(['D-30']), null, []],
    ['on D-7, D-30 sent', '2027-07-08', new Set(['D-30']), 'D-7', []],
    ['after downtime: D+8 with nothing sent → only D+7, the rest skipped', '2027-07-23', none, 'D+7', ['D-30', 'D-7', 'D0']],
    ['after downtime with D-30 sent', '2027-07-23', new Set(['D-30']), 'D+7', ['D-7', 'D0']],
    ['latest already recorded → nothing', '2027-07-23', new Set(['D+7']), null, []],
    ['D+30 escalates', '2027-08-14', new Set(['D-30', 'D-7', 'D0', 'D+7']), 'D+30', []],
  ] as const)('%s', (_name, asOf, recorded, send, skipped) => {
    const d = decideStages('2027-07-15', asOf, DEFAULT_STAGES, recorded);
    expect(d.send?.key ?? null).toBe(send);
    expect(d.skipped).toEqual(skipped);
    if (send === 'D+30') expect(d.send?.escalate).toBe(true);
  });
});

describe('deterministic ids', () => {
  it('gives the same UUID for the same obligation and stage, another for another stage', () => {
    const o = '0b6f3f0e-3c1a-4b2e-9a55-1f2d3c4b5a69';
    expect(reminderId(o, 'D-7')).toBe(reminderId(o, 'D-7'));
    expect(reminderId(o, 'D-7')).not.toBe(reminderId(o, 'D0'));
    expect(reminderId(o, 'D-7')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(eventId(o, 'D-7')).toBe(reminderId(o, 'D-7'));
  });
});
