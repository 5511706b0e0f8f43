import type { EventData } from '@pc/contracts';
import type { HandlerResult } from '@pc/bus';
import { metrics } from '@pc/service-kit';
import { Counter } from 'prom-client';
import { applyReport, type JobStatus } from '../domain/job';
import type { Tx } from '../adapters/prisma';

/** job.finished.v1 events that changed nothing, by reason (an unknown job is worth an alert). */
export const ignoredJobEvents = new Counter({
  name: 'scheduler_job_events_ignored_total', help: 'job.finished.v1 events the scheduler ignored',
  labelNames: ['reason'], registers: [metrics.registry],
});

/**
 * Moves a job along as its worker reports (running, then succeeded/failed). Idempotent: the inbox
 * drops redeliveries, and the state machine ignores stale or out-of-order reports.
 */
export async function advanceJob(d: EventData<'job.finished.v1'>, tx: Tx): Promise<HandlerResult> {
  // Row lock: two reports for one job (running + succeeded delivered together) apply one after the other.
  const locked = await tx.$queryRawUnsafe<unknown[]>('SELECT 1 FROM job WHERE id = $1::uuid FOR UPDATE', d.jobId);
  const job = locked.length > 0 ? await tx.job.findUnique({ where: { id: d.jobId } }) : null;
  if (!job) { ignoredJobEvents.inc({ reason: 'unknown_job' }); return 'skipped'; }
  const next = applyReport(
    { status: job.status as JobStatus, startedAt: job.startedAt, finishedAt: job.finishedAt, counts: job.counts as Record<string, number>, error: job.error },
    { status: d.status, counts: d.counts, error: d.error, at: new Date(d.at) },
  );
  if (!next) { ignoredJobEvents.inc({ reason: 'stale' }); return 'skipped'; }
  await tx.job.update({
    where: { id: job.id },
    data: { status: next.status, startedAt: next.startedAt, finishedAt: next.finishedAt, counts: next.counts, error: next.error },
  });
  return 'done';
}
