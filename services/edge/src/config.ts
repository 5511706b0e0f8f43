import { z } from 'zod';
import { baseEnv, loadConfig } from '@pc/service-kit';

const upstream = (port: number) => z.string().url().default(`http://127.0.0.1:${port}`);

export const edgeEnv = {
  ...baseEnv,
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters (it is the bootstrap admin credential)'),
  VALIDATE_RESPONSES: z.stringbool().default(false),
  AGREEMENTS_URL: upstream(8081),
  OBLIGATIONS_URL: upstream(8082),
  PRAXIS_CONNECTOR_URL: upstream(8083),
  NOTIFIER_URL: upstream(8084),
  REPORTS_URL: upstream(8085),
  SCHEDULER_URL: upstream(8086),
};
export type EdgeConfig = ReturnType<typeof loadEdgeConfig>;
export const loadEdgeConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(edgeEnv, env);
