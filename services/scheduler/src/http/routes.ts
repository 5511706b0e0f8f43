import type { Express, Request, Response } from 'express';
import { principalOf } from '@pc/service-kit';
import type { components, operations } from '@pc/contracts';
import type { RequestJobDeps } from '../use-cases/request-job';
import { requestJob } from '../use-cases/request-job';
import { getJob } from '../use-cases/get-job';

type JobRef = components['schemas']['JobRef'];
type Job = components['schemas']['Job'];
type EvaluationRequest = NonNullable<operations['requestEvaluation']['requestBody']>['content']['application/json'];
type NoParams = Record<string, never>;

/** Operator routes on jobs (admin only): run evaluation or Praxis sync now, follow a job. */
export function mountRoutes(app: Express, deps: RequestJobDeps): void {
  app.post(
    '/v1/jobs/evaluate',
    async (req: Request<NoParams, JobRef, EvaluationRequest | undefined>, res: Response<JobRef>) => {
      res.status(202).json({ id: await requestJob(deps, principalOf(req), 'evaluate', req.body?.asOf) });
    },
  );

  app.post('/v1/jobs/praxis-sync', async (req: Request, res: Response<JobRef>) => {
    res.status(202).json({ id: await requestJob(deps, principalOf(req), 'praxis_sync') });
  });

  app.get('/v1/jobs/:id', async (req: Request<{ id: string }>, res: Response<Job>) => {
    res.json(await getJob(deps.prisma, principalOf(req), req.params.id));
  });
}
