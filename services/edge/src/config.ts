import { z } from 'zod';
import { loadConfig, requiredSecret, serviceEnv } from '@pc/service-kit';

const upstream = (port: number) => z.string().url().default(`http://127.0.0.1:${port}`);

export const edgeEnv = {
  ...serviceEnv(8080, '0.0.0.0'),
  ADMIN_TOKEN: requiredSecret(16, 'the bootstrap admin credential'),
  AGREEMENTS_URL: upstream(8081),
  OBLIGATIONS_URL: upstream(8082),
  PRAXIS_CONNECTOR_URL: upstream(8083),
  NOTIFIER_URL: upstream(8084),
  REPORTS_URL: upstream(8085),
  SCHEDULER_URL: upstream(8086),
};
export type EdgeConfig = ReturnType<typeof loadEdgeConfig>;
export const loadEdgeConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(edgeEnv, env);
