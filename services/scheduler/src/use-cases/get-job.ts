import { notFound, requireRole, type Principal } from '@pc/service-kit';
import { findJob, type JobView } from '../adapters/job-store';
import type { PrismaClient } from '../adapters/prisma';

/** An operator follows a job (admin only); an unknown id is a 404. */
export async function getJob(prisma: PrismaClient, p: Principal, id: string): Promise<JobView> {
  requireRole(p, 'admin');
  const job = await findJob(prisma, id);
  if (!job) throw notFound('job', 'tâche');
  return job;
}
