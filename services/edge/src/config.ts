import { z } from 'zod';
import { loadConfig, requiredSecret, serviceEnv } from '@pc/service-kit';

const upstream = (port: number) => z.string().url().default(`http://127.0.0.1:${port}`);

export const edgeEnv = {
  ...serviceEnv(8080, '0.0.0.0'),
  ADMIN_TOKEN: requiredSecret(16, 'the bootstrap admin credential'),
  /** failed authentications per client address per minute (then 429 for that address) */
  AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).default(10),
  /** reports (a PDF counts 5), calendars, audit verify/export per API key per minute */
  HEAVY_READS_PER_MINUTE: z.coerce.number().int().min(1).default(30),
  HEAVY_READS_PER_MINUTE_PER_ADDRESS: z.coerce.number().int().min(1).default(120),
  /** proxies in front of the edge whose X-Forwarded-For is believed (0: the socket's address) */
  TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
  AGREEMENTS_URL: upstream(8081),
  OBLIGATIONS_URL: upstream(8082),
  PRAXIS_CONNECTOR_URL: upstream(8083),
  NOTIFIER_URL: upstream(8084),
  REPORTS_URL: upstream(8085),
  SCHEDULER_URL: upstream(8086),
  WEB_URL: upstream(8087),
};
export type EdgeConfig = ReturnType<typeof loadEdgeConfig>;
export const loadEdgeConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(edgeEnv, env);
