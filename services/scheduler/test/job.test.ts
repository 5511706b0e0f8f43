import { applyReport, type JobProgress, type JobReport, type JobStatus } from '../src/domain/job';

// The job state machine as a table: (state, report) → next state, or null when nothing changes.
const T0 = new Date('2027-03-14T10:00:00Z');
const T1 = new Date('2027-03-14T10:05:00Z');
const behind = [{ service: 'agreements', queue: 'obligations.agreements', behind: 1234 }];
const job = (status: JobStatus, over: Partial<JobProgress> = {}): JobProgress => ({
  status,
  startedAt: status === 'running' || status === 'succeeded' || status === 'failed' ? T0 : null,
  finishedAt: status === 'succeeded' || status === 'failed' ? T0 : null,
  counts: {},
  error: null,
  waitingFor: [],
  ...over,
});
const report = (status: JobReport['status'], over: Partial<JobReport> = {}): JobReport => ({
  status,
  counts: {},
  error: null,
  at: T1,
  ...over,
});

it.each<[string, JobProgress, JobReport, Partial<JobProgress> | null]>([
  [
    'queued → waiting, with what it waits for',
    job('queued'),
    report('waiting', { waitingFor: behind }),
    { status: 'waiting', waitingFor: behind },
  ],
  [
    'waiting → waiting: what it waits for is updated',
    job('waiting', { waitingFor: behind }),
    report('waiting', { waitingFor: [{ ...behind[0]!, behind: 3 }] }),
    { status: 'waiting', waitingFor: [{ ...behind[0]!, behind: 3 }] },
  ],
  [
    'waiting → running: nothing awaited any more',
    job('waiting', { waitingFor: behind }),
    report('running'),
    { status: 'running', startedAt: T1, waitingFor: [] },
  ],
  ['queued → running (already caught up)', job('queued'), report('running'), { status: 'running', startedAt: T1 }],
  ['running → waiting: a stale report, ignored', job('running'), report('waiting', { waitingFor: behind }), null],
  [
    'waiting → failed: gave up waiting, keeps what it waited for',
    job('waiting', { waitingFor: behind }),
    report('failed', { error: 'gave up', waitingFor: behind }),
    { status: 'failed', finishedAt: T1, error: 'gave up', waitingFor: behind },
  ],
  [
    'running → succeeded with counts',
    job('running'),
    report('succeeded', { counts: { reminders: 7 } }),
    { status: 'succeeded', finishedAt: T1, counts: { reminders: 7 }, waitingFor: [] },
  ],
  [
    'succeeded → waiting: a finished job never changes',
    job('succeeded'),
    report('waiting', { waitingFor: behind }),
    null,
  ],
  ['failed → succeeded: a finished job never changes outcome', job('failed'), report('succeeded'), null],
  [
    'succeeded, running arrives late: only startedAt is filled in',
    job('succeeded', { startedAt: null }),
    report('running'),
    { startedAt: T1 },
  ],
])('%s', (_name, from, r, change) => {
  const next = applyReport(from, r);
  expect(next).toEqual(change === null ? null : { ...from, ...change });
});
