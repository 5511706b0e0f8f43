import type { WaitingFor } from '@pc/contracts';
import type { JobKind } from './schedule';

export type { JobKind, WaitingFor };
export type JobStatus = 'queued' | 'waiting' | 'running' | 'succeeded' | 'failed';

export interface JobProgress {
  status: JobStatus;
  startedAt: Date | null;
  finishedAt: Date | null;
  counts: Record<string, number>;
  error: string | null;
  /** while waiting (and after giving up waiting): what the worker had still to consume */
  waitingFor: WaitingFor[];
}

/** What a worker says about a job (job.finished.v1). */
export interface JobReport {
  status: 'waiting' | 'running' | 'succeeded' | 'failed';
  counts: Record<string, number>;
  error: string | null;
  at: Date;
  waitingFor?: WaitingFor[];
}

const finished = (s: JobStatus): boolean => s === 'succeeded' || s === 'failed';

/**
 * The job state machine: queued → (waiting) → running → succeeded | failed; waiting and running may
 * be skipped (a worker already caught up; a job refused at once), and a job may fail while waiting
 * (it waited too long). Waiting reports update what is awaited. A finished job never changes
 * outcome nor goes back; a 'running' report that arrives after the outcome (out of order) only fills
 * in startedAt; a 'waiting' report after running or the outcome is stale. Returns null when nothing changes.
 */
export function applyReport(job: JobProgress, r: JobReport): JobProgress | null {
  if (finished(job.status)) {
    return r.status === 'running' && job.startedAt === null ? { ...job, startedAt: r.at } : null;
  }
  switch (r.status) {
    case 'waiting':
      return job.status === 'running' ? null : { ...job, status: 'waiting', waitingFor: r.waitingFor ?? [] };
    case 'running':
      return job.status === 'running'
        ? null
        : { ...job, status: 'running', startedAt: r.at, counts: r.counts, waitingFor: [] };
    case 'succeeded':
    case 'failed':
      return {
        ...job,
        status: r.status,
        finishedAt: r.at,
        counts: r.counts,
        error: r.error,
        waitingFor: r.waitingFor ?? [],
      };
  }
}
