import crypto from 'node:crypto';
import { enqueue } from '@pc/bus';
import type { EventData } from '@pc/contracts';
import type { Fire, JobKind } from '../domain/schedule';
import type { SlotClaims } from '../domain/scheduler';
import type { JobStatus } from '../domain/job';
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
    data: { id, kind: req.kind, asOf: req.asOf, trigger: req.trigger, requestedBy: req.actor.kind === 'api_key' ? req.actor.id : `system:${req.actor.id}` },
  });
  await enqueue(tx, [{ type: 'job.requested.v1', subject: id, data: { jobId: id, kind: req.kind, asOf: req.asOf, actor: req.actor } }]);
  return id;
}

export interface JobView {
  id: string; kind: JobKind; status: JobStatus; asOf: string;
  startedAt: string | null; finishedAt: string | null; counts: Record<string, number>; error: string | null;
}

export async function findJob(prisma: PrismaClient, id: string): Promise<JobView | null> {
  const j = await prisma.job.findUnique({ where: { id } });
  if (!j) return null;
  return {
    id: j.id, kind: j.kind as JobKind, status: j.status as JobStatus, asOf: j.asOf,
    startedAt: j.startedAt?.toISOString() ?? null, finishedAt: j.finishedAt?.toISOString() ?? null,
    counts: j.counts as Record<string, number>, error: j.error,
  };
}

/**
 * The per-slot claim in PostgreSQL. The primary key on cron_fire.key makes exactly one replica win
 * a slot, for ever (restarts included); the job and its event are written in the same transaction,
 * so a crash between claim and job leaves neither and the slot can still be fired.
 */
export class PrismaSlotClaims implements SlotClaims {
  constructor(private readonly prisma: PrismaClient, private readonly afterCommit: () => void) {}

  async claim(fire: Fire): Promise<string | null> {
    const jobId = crypto.randomUUID();
    const won = await this.prisma.$transaction(async (tx) => {
      const rows = await tx.$queryRawUnsafe<unknown[]>(
        'INSERT INTO cron_fire (key, schedule, slot, job_id) VALUES ($1, $2, $3, $4::uuid) ON CONFLICT DO NOTHING RETURNING 1',
        fire.key, fire.schedule.name, fire.slot, jobId);
      if (rows.length === 0) return false;
      await createJob(tx, { kind: fire.schedule.kind, asOf: fire.asOf, trigger: 'schedule', actor: { kind: 'system', id: 'scheduler' } }, jobId);
      return true;
    });
    if (!won) return null;
    this.afterCommit();
    return jobId;
  }
}
