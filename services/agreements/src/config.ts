import { z } from 'zod';
import { baseEnv, loadConfig } from '@pc/service-kit';

export const agreementsEnv = {
  ...baseEnv,
  PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  HOST: z.string().default('127.0.0.1'),
  VALIDATE_RESPONSES: z.stringbool().default(false),
};
export type AgreementsConfig = ReturnType<typeof loadAgreementsConfig>;
export const loadAgreementsConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(agreementsEnv, env);
