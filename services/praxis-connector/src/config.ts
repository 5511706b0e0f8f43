import { z } from 'zod';
import { catchUpEnv, loadConfig, peerEnv, serviceEnv } from '@pc/service-kit';

/** A placeholder that says what to put there; the connector warns at boot while it is used. */
export const DEFAULT_CONTACT_URL = 'https://praxis-conformite.local/contact';

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
  /** Requests in flight to Praxis at once, per replica (pages, feeds and robots.txt together). */
  PRAXIS_CONCURRENCY: z.coerce.number().int().positive().max(256).default(2),
  /**
   * Requests per second to the Praxis host, all replicas together (the budget is in the database).
   * Praxis is a small non-profit's site: keep it low in production.
   */
  PRAXIS_MAX_RPS: z.coerce.number().positive().max(1_000_000).default(5),
  /** Where Praxis's operators can learn who reads their site and write to us; sent in the User-Agent. */
  PRAXIS_CONTACT_URL: z.string().url().default(DEFAULT_CONTACT_URL),
  /** Longest Retry-After waited for in a sync; a longer pause is obeyed by failing the run (the next run resumes). */
  PRAXIS_MAX_PAUSE_SECONDS: z.coerce.number().int().positive().default(300),
  /** How long robots.txt is trusted before it is read again (RFC 9309 asks for at most 24 h). */
  PRAXIS_ROBOTS_TTL_SECONDS: z.coerce.number().int().positive().max(86_400).default(86_400),
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
  /**
   * The re-verification cycle: a matched note is fetched again when its last check is older than
   * this (0 = every sync). 20 h: the daily run re-checks every note once, other runs that day do not.
   */
  PRAXIS_REVERIFY_MIN_AGE_SECONDS: z.coerce.number().int().nonnegative().default(72_000),
};
export type ConnectorConfig = ReturnType<typeof loadConnectorConfig>;
export const loadConnectorConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(connectorEnv, env);
