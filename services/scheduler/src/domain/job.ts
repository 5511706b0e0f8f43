import type { JobKind } from './schedule';

export type { JobKind };
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface JobProgress {
  status: JobStatus;
  startedAt: Date | null;
  finishedAt: Date | null;
  counts: Record<string, number>;
  error: string | null;
}

/** What a worker says about a job (job.finished.v1). */
export interface JobReport {
  status: 'running' | 'succeeded' | 'failed';
  counts: Record<string, number>;
  error: string | null;
  at: Date;
}

const finished = (s: JobStatus): boolean => s === 'succeeded' || s === 'failed';

/**
 * The job state machine: queued → running → succeeded | failed (running may be skipped).
 * A finished job never changes outcome nor goes back to running; a 'running' report that arrives
 * after the outcome (out of order) only fills in startedAt. Returns null when nothing changes.
 */
export function applyReport(job: JobProgress, r: JobReport): JobProgress | null {
  if (finished(job.status)) {
    return r.status === 'running' && job.startedAt === null ? { ...job, startedAt: r.at } : null;
  }
  if (r.status === 'running') {
    return job.status === 'queued' ? { ...job, status: 'running', startedAt: r.at, counts: r.counts } : null;
  }
  return { ...job, status: r.status, finishedAt: r.at, counts: r.counts, error: r.error };
}
