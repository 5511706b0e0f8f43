import { AppError } from '@pc/service-kit';
import { eventId } from '@pc/contracts';
import { assertTransition, canTransition, STATUSES, type ObligationStatus } from '../src/domain/lifecycle';
import { reminderId } from '../src/domain/ids';

describe('obligation state machine (pure)', () => {
  // Every (from, to) pair of the life cycle, allowed (x) or not (.): the grid is the specification,
  // written as a reviewer reads it rather than in the shape of the code it checks.
  const grid = `
    from / to           upcoming  due_soon  overdue  fulfilled  extended  waived  cancelled  evidence_withdrawn
    null                x         x         x        .          .         .       .          .
    upcoming            x         x         x        x          x         x       x          .
    due_soon            x         x         x        x          x         x       x          .
    overdue             x         x         x        x          x         x       x          .
    extended            x         x         x        x          x         x       x          .
    evidence_withdrawn  .         .         .        x          x         x       x          x
    fulfilled           .         .         .        .          .         .       .          x
    waived              .         .         .        .          .         .       .          .
    cancelled           .         .         .        .          .         .       .          .
  `;
  const [header, ...rows] = grid
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/));
  const columns = header!.slice(3) as ObligationStatus[];
  const table = rows.flatMap(([from, ...marks]) =>
    columns.map((to, i) => [from as ObligationStatus | 'null', to, marks[i] === 'x'] as const),
  );

  it('covers every state, as a start and as a target', () => {
    expect(columns).toEqual([...STATUSES]);
    expect(rows.map((r) => r[0])).toEqual(expect.arrayContaining(['null', ...STATUSES]));
    expect(rows).toHaveLength(STATUSES.length + 1);
    for (const r of rows)
      expect(r.slice(1).every((m) => m === 'x' || m === '.') && r.length === columns.length + 1).toBe(true);
  });

  it.each(table)('%s → %s allowed: %s', (from, to, ok) => {
    const f = from === 'null' ? null : from;
    expect(canTransition(f, to)).toBe(ok);
    if (ok) expect(() => assertTransition(f, to)).not.toThrow();
    else expect(() => assertTransition(f, to)).toThrow(AppError);
  });

  it('refuses an illegal transition with a conflict naming both states', () => {
    try {
      assertTransition('waived', 'fulfilled');
      throw new Error('no throw');
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('conflict');
      expect((err as AppError).status).toBe(409);
      expect((err as AppError).message).toBe('an obligation that is waived cannot become fulfilled (waived is final)');
    }
    expect(() => assertTransition('fulfilled', 'extended')).toThrow(
      'an obligation that is fulfilled cannot become extended',
    );
    expect(() => assertTransition(null, 'fulfilled')).toThrow('an obligation cannot start as fulfilled');
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
