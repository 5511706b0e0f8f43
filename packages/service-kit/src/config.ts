import { z } from 'zod';

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
