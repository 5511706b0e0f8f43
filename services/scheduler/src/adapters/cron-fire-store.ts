import crypto from 'node:crypto';
import type { Fire } from '../domain/schedule';
import type { SlotClaims } from '../domain/ports';
import { createJob } from './job-store';
import type { PrismaClient } from './prisma';

/**
 * The per-slot claim in PostgreSQL. The primary key on cron_fire.key makes exactly one replica win
 * a slot, for ever (restarts included); the job and its event are written in the same transaction,
 * so a crash between claim and job leaves neither and the slot can still be fired.
 */
export class PrismaSlotClaims implements SlotClaims {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly afterCommit: () => void,
  ) {}

  async claim(fire: Fire): Promise<string | null> {
    const jobId = crypto.randomUUID();
    const won = await this.prisma.$transaction(async (tx) => {
      const rows = await tx.$queryRawUnsafe<unknown[]>(
        'INSERT INTO cron_fire (key, schedule, slot, job_id) VALUES ($1, $2, $3, $4::uuid) ON CONFLICT DO NOTHING RETURNING 1',
        fire.key,
        fire.schedule.name,
        fire.slot,
        jobId,
      );
      if (rows.length === 0) return false;
      await createJob(
        tx,
        { kind: fire.schedule.kind, asOf: fire.asOf, trigger: 'schedule', actor: { kind: 'system', id: 'scheduler' } },
        jobId,
      );
      return true;
    });
    if (!won) return null;
    this.afterCommit();
    return jobId;
  }
}
