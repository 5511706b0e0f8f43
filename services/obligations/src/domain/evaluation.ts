/** The events of an evaluation run (job.requested.v1 kind 'evaluate'): pure, with deterministic ids. */
import { eventId, type EventData } from '@pc/contracts';

export interface RunCounts {
  obligations: number;
  transitions: number;
  reminders: number;
  skipped: number;
  [k: string]: number;
}

/** job.finished.v1 of an evaluation; one id per (job, status), so announcing a state twice is a no-op. */
export const jobFinished = (
  jobId: string,
  status: 'running' | 'succeeded' | 'failed',
  counts: Record<string, number>,
  error: string | null,
  at: Date,
) => ({
  id: eventId(jobId, `job.finished:${status}`),
  type: 'job.finished.v1' as const,
  subject: jobId,
  data: {
    jobId,
    kind: 'evaluate' as const,
    status,
    counts,
    error,
    at: at.toISOString(),
  } satisfies EventData<'job.finished.v1'>,
});

/** reminder.run_closed.v1: how many stages the run emitted in all, so the notifier knows when it has them all. */
export const runClosed = (jobId: string, asOf: string, reminders: number) => ({
  id: eventId(jobId, 'reminder.run_closed'),
  type: 'reminder.run_closed.v1' as const,
  subject: jobId,
  data: { runId: jobId, asOf, reminders } satisfies EventData<'reminder.run_closed.v1'>,
});
