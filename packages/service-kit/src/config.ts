import { z } from 'zod';

/** Thrown at boot when the environment is missing or malformed; names every offending variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
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
  INTERNAL_SECRET: z.string().min(16, 'must be at least 16 characters').default('dev-internal-secret-change-me'),
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
