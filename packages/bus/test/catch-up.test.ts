import { decideCatchUp, timedOutMessage, waitingReportDue, type FeedCount } from '../src/catch-up';

// The catch-up decision, pure: counts in, decision out.
const feed = (over: Partial<FeedCount>): FeedCount => ({
  queue: 'obligations.agreements',
  producer: 'agreements',
  produced: 10,
  consumed: 10,
  floorMoved: false,
  ...over,
});

describe('decideCatchUp', () => {
  it.each<[string, FeedCount[], number, ReturnType<typeof decideCatchUp>]>([
    ['nothing to read: caught up', [], 0, { kind: 'caught_up' }],
    [
      'every feed consumed what its producer counted',
      [feed({}), feed({ producer: 'praxis-connector', queue: 'obligations.evidence', produced: 0, consumed: 0 })],
      0,
      { kind: 'caught_up' },
    ],
    [
      'one feed behind: waiting for it alone, with how many',
      [feed({ consumed: 4 }), feed({ producer: 'praxis-connector', queue: 'obligations.evidence' })],
      5_000,
      { kind: 'waiting', waitingFor: [{ service: 'agreements', queue: 'obligations.agreements', behind: 6 }] },
    ],
    [
      'a producer that could not be asked is waited for, behind unknown',
      [feed({ produced: null, consumed: 0 })],
      0,
      { kind: 'waiting', waitingFor: [{ service: 'agreements', queue: 'obligations.agreements', behind: null }] },
    ],
    [
      'the purge floor moved: counted again before deciding, even when the numbers agree',
      [feed({ floorMoved: true })],
      0,
      { kind: 'waiting', waitingFor: [{ service: 'agreements', queue: 'obligations.agreements', behind: 0 }] },
    ],
    [
      'more consumed than produced (rows lost by other means than the purge): waiting cannot help',
      [feed({ produced: 3, consumed: 5 })],
      0,
      { kind: 'caught_up' },
    ],
    [
      'behind at the timeout: timed out, naming what it waited for',
      [feed({ consumed: 9 })],
      600_000,
      { kind: 'timed_out', waitingFor: [{ service: 'agreements', queue: 'obligations.agreements', behind: 1 }] },
    ],
    ['caught up at the timeout: caught up', [feed({})], 900_000, { kind: 'caught_up' }],
  ])('%s', (_name, feeds, waitedMs, expected) => {
    expect(decideCatchUp(feeds, waitedMs, 600_000)).toEqual(expected);
  });

  it('reports every feed behind, in order, one per (queue, producer)', () => {
    const d = decideCatchUp(
      [
        feed({ queue: 'reports.events', producer: 'edge', produced: 2, consumed: 1 }),
        feed({ queue: 'reports.events', producer: 'agreements', produced: 7, consumed: 7 }),
        feed({ queue: 'reports.events', producer: 'obligations', produced: 9, consumed: 0 }),
      ],
      0,
      60_000,
    );
    expect(d).toEqual({
      kind: 'waiting',
      waitingFor: [
        { service: 'edge', queue: 'reports.events', behind: 1 },
        { service: 'obligations', queue: 'reports.events', behind: 9 },
      ],
    });
  });
});

describe('waitingReportDue', () => {
  const a = [{ service: 'agreements', queue: 'q', behind: 5 }];
  const b = [{ service: 'agreements', queue: 'q', behind: 2 }];
  it.each<[string, typeof a | null, typeof a, number | null, boolean]>([
    ['never reported: due', null, a, null, true],
    ['changed, long enough ago: due', a, b, 10_000, true],
    ['changed, too recently: not yet', a, b, 9_999, false],
    ['unchanged: not due however long ago', a, a, 60_000, false],
  ])('%s', (_name, previous, current, since, due) => {
    expect(waitingReportDue(previous, current, since, 10_000)).toBe(due);
  });
});

describe('timedOutMessage', () => {
  it('names each producer, queue and count in French then English, and says how to look for dead letters', () => {
    const m = timedOutMessage(
      [{ service: 'agreements', queue: 'obligations.agreements', behind: 1234 }],
      600,
      new Map(),
    );
    expect(m).toContain('600 s');
    expect(m).toContain('1234 événement(s) de agreements (obligations.agreements)');
    expect(m).toContain('1234 event(s) of agreements (obligations.agreements)');
    expect(m).toContain('pnpm dlq list');
    expect(m.indexOf('Attente')).toBeLessThan(m.indexOf('Gave up'));
  });

  it('says when the queue holds dead letters, and that they need a replay', () => {
    const m = timedOutMessage(
      [
        { service: 'agreements', queue: 'obligations.agreements', behind: 1 },
        { service: 'praxis-connector', queue: 'obligations.evidence', behind: null },
      ],
      30,
      new Map([['obligations.agreements', 1]]),
    );
    expect(m).toContain('1 event(s) of agreements (obligations.agreements, 1 dead-lettered)');
    expect(m).toContain('praxis-connector unreachable (obligations.evidence)');
    expect(m).toContain('pnpm dlq replay');
  });
});
