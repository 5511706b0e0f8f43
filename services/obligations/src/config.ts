import { z } from 'zod';
import { catchUpEnv, loadConfig, peerEnv, projectionWaitEnv, serviceEnv } from '@pc/service-kit';

export const obligationsEnv = {
  ...serviceEnv(8082),
  /** the other services: PRAXIS_CONNECTOR_URL for declared evidence; AGREEMENTS_URL, owner of obligation and
   * agreement ids (asked when an id is not here yet: read your writes); the producers an evaluation waits for */
  ...peerEnv,
  ...catchUpEnv,
  PROJECTION_WAIT_MS: projectionWaitEnv,
  /** obligations per transaction in an evaluation run */
  EVALUATION_BATCH_SIZE: z.coerce.number().int().min(1).max(100_000).default(5000),
  /** how long a worker owns a run without committing a batch before another process may resume it */
  EVALUATION_LEASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
};
export type ObligationsConfig = ReturnType<typeof loadObligationsConfig>;
export const loadObligationsConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(obligationsEnv, env);
