import type { EventData } from '@pc/contracts';
import type { HandlerResult } from '@pc/bus';
import { applyReport } from '../domain/job';
import { lockJobProgress, saveJobProgress } from '../adapters/job-store';
import { ignoredJobEvents } from '../adapters/metrics';
import type { Tx } from '../adapters/prisma';

/**
 * Moves a job along as its worker reports (waiting, running, then succeeded/failed). Idempotent: the inbox
 * drops redeliveries, and the state machine ignores stale or out-of-order reports.
 */
export async function advanceJob(tx: Tx, d: EventData<'job.finished.v1'>): Promise<HandlerResult> {
  const job = await lockJobProgress(tx, d.jobId);
  if (!job) {
    ignoredJobEvents.inc({ reason: 'unknown_job' });
    return 'skipped';
  }
  const next = applyReport(job, {
    status: d.status,
    counts: d.counts,
    error: d.error,
    at: new Date(d.at),
    waitingFor: d.waitingFor,
  });
  if (!next) {
    ignoredJobEvents.inc({ reason: 'stale' });
    return 'skipped';
  }
  await saveJobProgress(tx, d.jobId, next);
  return 'done';
}
