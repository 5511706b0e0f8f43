import crypto from 'node:crypto';
import { enqueue } from '@pc/bus';
import type { EventData } from '@pc/contracts';
import type { JobKind } from '../domain/schedule';
import type { JobProgress, JobStatus, WaitingFor } from '../domain/job';
import type { PrismaClient, Tx } from './prisma';

export interface JobRequest {
  kind: JobKind;
  asOf: string;
  trigger: 'api' | 'schedule';
  actor: EventData<'job.requested.v1'>['actor'];
}

/** Records a queued job and its job.requested.v1 in the caller's transaction: both or neither. */
export async function createJob(tx: Tx, req: JobRequest, id: string = crypto.randomUUID()): Promise<string> {
  await tx.job.create({
    data: {
      id,
      kind: req.kind,
      asOf: req.asOf,
      trigger: req.trigger,
      requestedBy: req.actor.kind === 'api_key' ? req.actor.id : `system:${req.actor.id}`,
    },
  });
  await enqueue(tx, [
    { type: 'job.requested.v1', subject: id, data: { jobId: id, kind: req.kind, asOf: req.asOf, actor: req.actor } },
  ]);
  return id;
}

/** createJob in a transaction of its own (a job requested through the API). */
export function queueJob(prisma: PrismaClient, req: JobRequest): Promise<string> {
  return prisma.$transaction((tx) => createJob(tx, req));
}

export interface JobView {
  id: string;
  kind: JobKind;
  status: JobStatus;
  asOf: string;
  startedAt: string | null;
  finishedAt: string | null;
  counts: Record<string, number>;
  error: string | null;
  /** present while the job waits (and when it gave up waiting) */
  waitingFor?: WaitingFor[];
}

export async function findJob(prisma: PrismaClient, id: string): Promise<JobView | null> {
  const j = await prisma.job.findUnique({ where: { id } });
  if (!j) return null;
  const waitingFor = j.waitingFor as WaitingFor[];
  return {
    id: j.id,
    kind: j.kind as JobKind,
    status: j.status as JobStatus,
    asOf: j.asOf,
    startedAt: j.startedAt?.toISOString() ?? null,
    finishedAt: j.finishedAt?.toISOString() ?? null,
    counts: j.counts as Record<string, number>,
    error: j.error,
    ...(waitingFor.length > 0 ? { waitingFor } : {}),
  };
}

/**
 * A job's progress, row-locked until the transaction ends (null for an unknown job): two reports
 * for one job (running + succeeded delivered together) apply one after the other.
 */
export async function lockJobProgress(tx: Tx, id: string): Promise<JobProgress | null> {
  const locked = await tx.$queryRawUnsafe<unknown[]>('SELECT 1 FROM job WHERE id = $1::uuid FOR UPDATE', id);
  const job = locked.length > 0 ? await tx.job.findUnique({ where: { id } }) : null;
  if (!job) return null;
  return {
    status: job.status as JobStatus,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    counts: job.counts as Record<string, number>,
    error: job.error,
    waitingFor: job.waitingFor as WaitingFor[],
  };
}

export async function saveJobProgress(tx: Tx, id: string, p: JobProgress): Promise<void> {
  await tx.job.update({
    where: { id },
    data: {
      status: p.status,
      startedAt: p.startedAt,
      finishedAt: p.finishedAt,
      counts: p.counts,
      error: p.error,
      waitingFor: p.waitingFor,
    },
  });
}
