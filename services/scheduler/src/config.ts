import { z } from 'zod';
import { baseEnv, loadConfig } from '@pc/service-kit';

export const schedulerEnv = {
  ...baseEnv,
  PORT: z.coerce.number().int().min(0).max(65535).default(8086),
  HOST: z.string().default('127.0.0.1'),
  VALIDATE_RESPONSES: z.stringbool().default(false),
  /** false: no scheduled jobs at all (no start-up catch-up, no heartbeat); the job routes still work. */
  SCHEDULES_ENABLED: z.stringbool().default(true),
};
export type SchedulerConfig = ReturnType<typeof loadSchedulerConfig>;
export const loadSchedulerConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(schedulerEnv, env);
