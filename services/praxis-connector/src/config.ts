import { z } from 'zod';
import { catchUpEnv, loadConfig, peerEnv, serviceEnv } from '@pc/service-kit';

export const connectorEnv = {
  ...serviceEnv(8083),
  /** the producers a Praxis sync waits for (the agreements service) */
  ...peerEnv,
  ...catchUpEnv,
  /** The one host whose notes and feeds are fetched (SSRF boundary); trusted even on loopback. */
  PRAXIS_BASE_URL: z
    .string()
    .url()
    .refine((u) => /^https?:$/.test(new URL(u).protocol), 'must be http(s)')
    .default('https://praxis.encommun.io'),
  /** Whole-request deadline (connect, headers and body) for one fetch. */
  PRAXIS_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /** Requests in flight to Praxis at once (pages and feeds together). */
  PRAXIS_CONCURRENCY: z.coerce.number().int().positive().max(256).default(16),
  /** Feeds polled at once (each feed's pages share PRAXIS_CONCURRENCY). */
  PRAXIS_FEED_CONCURRENCY: z.coerce.number().int().positive().max(64).default(8),
  PRAXIS_MAX_PAGE_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(2 * 1024 * 1024),
  PRAXIS_MAX_FEED_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(20 * 1024 * 1024),
  /** Items beyond this many in one feed are ignored (logged), bounding one feed's work. */
  PRAXIS_MAX_FEED_ITEMS: z.coerce.number().int().positive().default(20_000),
  /** Consecutive unavailability failures (timeouts, 5xx, refused) after which a sync stops early. */
  PRAXIS_OUTAGE_THRESHOLD: z.coerce.number().int().positive().default(20),
  /** A matched note is fetched again for re-verification when its last check is older than this (0 = every sync). */
  PRAXIS_REVERIFY_MIN_AGE_SECONDS: z.coerce.number().int().nonnegative().default(0),
};
export type ConnectorConfig = ReturnType<typeof loadConnectorConfig>;
export const loadConnectorConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(connectorEnv, env);
