import { enqueue, type NewEvent } from '@pc/bus';
import type { PrismaClient } from './prisma';

/**
 * The monthly emails sent, one row per (job, funder), through Prisma: each statement reaches one row
 * by its key. Also writes a job's progress events in a transaction of their own.
 */
export class ReportDispatchStore {
  constructor(private readonly prisma: PrismaClient) {}

  /** Whether this job already emailed this funder (a redelivered job must not email it twice). */
  async sent(jobId: string, funderId: string): Promise<boolean> {
    return (await this.prisma.reportDispatch.findUnique({ where: { jobId_funderId: { jobId, funderId } } })) !== null;
  }

  /** Committed right after the send, so a crash later in the job does not send it again. */
  async record(d: { jobId: string; funderId: string; recipients: number; messageId: string }): Promise<void> {
    await this.prisma.reportDispatch.create({ data: d });
  }

  /** Events committed now, before the job's own transaction ends (the scheduler sees "running" while emails go out). */
  async emitNow(events: NewEvent[]): Promise<void> {
    await this.prisma.$transaction((t) => enqueue(t, events));
  }
}
