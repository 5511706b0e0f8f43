import type { Express, Request } from 'express';
import { fieldError, invalid, isCalendarDate, notFound, principalOf, requireRole, todayInMontreal } from '@pc/service-kit';
import type { Clock } from '../domain/scheduler';
import type { JobKind } from '../domain/schedule';
import { createJob, findJob } from '../adapters/job-store';
import type { PrismaClient } from '../adapters/prisma';

export interface RouteDeps { prisma: PrismaClient; clock: Clock; kick: () => void }

/** Operator routes on jobs (admin only): run evaluation or Praxis sync now, follow a job. */
export function mountRoutes(app: Express, deps: RouteDeps): void {
  const request = async (req: Request, kind: JobKind, asOf: string): Promise<string> => {
    const p = principalOf(req);
    const id = await deps.prisma.$transaction((tx) => createJob(tx, { kind, asOf, trigger: 'api', actor: { kind: 'api_key', id: p.keyId } }));
    deps.kick();
    return id;
  };

  app.post('/v1/jobs/evaluate', async (req, res) => {
    requireRole(principalOf(req), 'admin');
    // The contract checks the shape; only a real day passes here (2027-02-30 does not).
    const asOf = (req.body as { asOf?: string } | undefined)?.asOf;
    if (asOf !== undefined && !isCalendarDate(asOf)) {
      throw invalid([fieldError('asOf', { en: `${asOf} is not a calendar date (YYYY-MM-DD)`, fr: `${asOf} n'est pas une date du calendrier (AAAA-MM-JJ)` })]);
    }
    const id = await request(req, 'evaluate', asOf ?? todayInMontreal(deps.clock.now()));
    res.status(202).json({ id });
  });

  app.post('/v1/jobs/praxis-sync', async (req, res) => {
    requireRole(principalOf(req), 'admin');
    const id = await request(req, 'praxis_sync', todayInMontreal(deps.clock.now()));
    res.status(202).json({ id });
  });

  app.get('/v1/jobs/:id', async (req, res) => {
    requireRole(principalOf(req), 'admin');
    const job = await findJob(deps.prisma, String(req.params.id));
    if (!job) throw notFound('job', 'tâche');
    res.json(job);
  });
}
