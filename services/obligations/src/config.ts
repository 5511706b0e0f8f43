import { z } from 'zod';
import { loadConfig, projectionWaitEnv, serviceEnv } from '@pc/service-kit';

export const obligationsEnv = {
  ...serviceEnv(8082),
  /** internal verification API of the praxis-connector (declared evidence) */
  PRAXIS_CONNECTOR_URL: z.url().default('http://127.0.0.1:8083'),
  /** owner of obligation and agreement ids (asked when an id is not here yet: read your writes) */
  AGREEMENTS_URL: z.url().default('http://127.0.0.1:8081'),
  PROJECTION_WAIT_MS: projectionWaitEnv,
  /** obligations per transaction in an evaluation run */
  EVALUATION_BATCH_SIZE: z.coerce.number().int().min(1).max(100_000).default(5000),
  /** how long a worker owns a run without committing a batch before another process may resume it */
  EVALUATION_LEASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
};
export type ObligationsConfig = ReturnType<typeof loadObligationsConfig>;
export const loadObligationsConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(obligationsEnv, env);
