import { z } from 'zod';
import { loadConfig, serviceEnv } from '@pc/service-kit';

export const schedulerEnv = {
  ...serviceEnv(8086),
  /** false: no scheduled jobs at all (no start-up catch-up, no heartbeat); the job routes still work. */
  SCHEDULES_ENABLED: z.stringbool().default(true),
};
export type SchedulerConfig = ReturnType<typeof loadSchedulerConfig>;
export const loadSchedulerConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(schedulerEnv, env);
