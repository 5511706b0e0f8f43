import { z } from 'zod';
import type { Producer } from '@pc/contracts';

/** Thrown at boot when the environment is missing or malformed; names every offending variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * A secret the operator must give: no default (a default in the source is public), at least `min`
 * characters. A missing one is named with how to make one.
 */
export function requiredSecret(min: number, what: string) {
  return z
    .string({
      error: (issue) =>
        issue.input === undefined
          ? `is required (${what}); no default: set a random value of at least ${min} characters, e.g. \`openssl rand -base64 32\` (pnpm start generates one)`
          : 'must be a string',
    })
    .min(min, `must be at least ${min} characters (${what})`);
}

/** Variables every service understands. Defaults point at the services of the dev machines. */
export const baseEnv = {
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL')
    .default('postgresql://postgres@127.0.0.1:5432/praxis_compliance'),
  AMQP_URL: z
    .string()
    .regex(/^amqps?:\/\//, 'must be an amqp:// URL')
    .default('amqp://guest:guest@127.0.0.1:5672/%2F'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Shared by the edge and the services behind it to sign the caller's identity. */
  INTERNAL_SECRET: requiredSecret(32, "the edge and the services sign the caller's identity with it"),
  /** Key of the keyed pseudonyms of personal data (Law 25); derived from INTERNAL_SECRET when absent. */
  PSEUDONYM_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
};

/** SMTP server of a service that sends email (smtp:// or smtps://); the default is the dev machines' catcher. */
export const smtpUrlEnv = z
  .string()
  .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
  .default('smtp://127.0.0.1:1025');

/** The Praxis origin (scheme, host, port) of the services that fetch from it or check URLs against it. */
export const praxisBaseUrlEnv = z
  .string()
  .url()
  .refine((u) => /^https?:$/.test(new URL(u).protocol), 'must be http(s)')
  .default('https://praxis.encommun.io');
/**
 * How long a route waits for its projection to reach an id the id's owner confirms, in ms (at most
 * 5 s; then 503 with Retry-After). 0 answers 503 at once.
 */
export const projectionWaitEnv = z.coerce.number().int().min(0).max(5000).default(5000);
const peerUrl = (port: number) => z.url().default(`http://127.0.0.1:${port}`);

/**
 * Where the other services answer (their internal base URL; `pnpm start` sets each). A service
 * whose jobs wait for their producers asks them there for their outbox watermark.
 */
export const peerEnv = {
  EDGE_URL: peerUrl(8080),
  AGREEMENTS_URL: peerUrl(8081),
  OBLIGATIONS_URL: peerUrl(8082),
  PRAXIS_CONNECTOR_URL: peerUrl(8083),
  NOTIFIER_URL: peerUrl(8084),
  REPORTS_URL: peerUrl(8085),
  SCHEDULER_URL: peerUrl(8086),
  WEB_URL: peerUrl(8087),
};
type PeerVar = keyof typeof peerEnv;

/** The variable that holds each service's URL. */
export const PEER_URL_VARS: Readonly<Record<Producer, PeerVar>> = {
  edge: 'EDGE_URL',
  agreements: 'AGREEMENTS_URL',
  obligations: 'OBLIGATIONS_URL',
  'praxis-connector': 'PRAXIS_CONNECTOR_URL',
  notifier: 'NOTIFIER_URL',
  reports: 'REPORTS_URL',
  scheduler: 'SCHEDULER_URL',
  web: 'WEB_URL',
};

/** The services whose URL this config holds, by service name. */
export function peerUrls(cfg: Record<string, unknown>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [service, v] of Object.entries(PEER_URL_VARS)) {
    const url = cfg[v];
    if (typeof url === 'string') out.set(service, url);
  }
  return out;
}

/**
 * How a service's jobs wait until it has consumed every write accepted before them (the bus's
 * catch-up gates). Disabled, work runs at once on what the service holds: only for a service run
 * alone, whose producers are not running (its own tests).
 */
export const catchUpEnv = {
  CATCH_UP_ENABLED: z.stringbool().default(true),
  /** how long work waits before it fails, naming what it waited for */
  CATCH_UP_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(86_400).default(600),
  /** how often waiting work is checked again */
  CATCH_UP_POLL_MS: z.coerce.number().int().min(20).max(60_000).default(1000),
};

/** `baseEnv` and the variables of a service's HTTP side; `port` and `host` are its defaults. */
export function serviceEnv(port: number, host = '127.0.0.1') {
  return {
    ...baseEnv,
    PORT: z.coerce.number().int().min(0).max(65535).default(port),
    HOST: z.string().default(host),
    VALIDATE_RESPONSES: z.stringbool().default(false),
  };
}

/**
 * Parses the environment once at boot (nothing else reads process.env).
 * Throws ConfigError naming each bad variable, so a service refuses to start with a clear message.
 */
export function loadConfig<S extends z.ZodRawShape>(
  shape: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<z.ZodObject<S>> {
  const result = z.object(shape).safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
}
