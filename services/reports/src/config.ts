import { z } from 'zod';
import { baseEnv, loadConfig } from '@pc/service-kit';

export const reportsEnv = {
  ...baseEnv,
  PORT: z.coerce.number().int().min(0).max(65535).default(8085),
  HOST: z.string().default('127.0.0.1'),
  VALIDATE_RESPONSES: z.stringbool().default(false),
  /** SMTP server of the monthly report email (smtp:// or smtps://). */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
    .default('smtp://127.0.0.1:1025'),
  MAIL_FROM: z.string().min(3).default('Praxis Conformité <rapports@praxis-compliance.local>'),
  /** Events applied per database transaction by the read-model consumer (1 = one transaction per message). */
  REPORTS_BATCH_SIZE: z.coerce.number().int().min(1).max(2000).default(250),
  /** How long the consumer waits for more events before applying a partial batch. */
  REPORTS_BATCH_LINGER_MS: z.coerce.number().int().min(0).max(5000).default(15),
};
export type ReportsConfig = ReturnType<typeof loadReportsConfig>;
export const loadReportsConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(reportsEnv, env);
