import { z } from 'zod';
import { catchUpEnv, loadConfig, peerEnv, projectionWaitEnv, serviceEnv, smtpUrlEnv } from '@pc/service-kit';

export const reportsEnv = {
  ...serviceEnv(8085),
  /** every producer: a monthly report waits until the read model has consumed what they had committed */
  ...peerEnv,
  ...catchUpEnv,
  /** SMTP server of the monthly report email. */
  SMTP_URL: smtpUrlEnv,
  MAIL_FROM: z.string().min(3).default('Praxis Conformité <rapports@praxis-compliance.local>'),
  PROJECTION_WAIT_MS: projectionWaitEnv,
  /** Events applied per database transaction by the read-model consumer (1 = one transaction per message). */
  REPORTS_BATCH_SIZE: z.coerce.number().int().min(1).max(2000).default(250),
  /**
   * Key of the pseudonyms auditors read in place of contact emails (HMAC). When unset it is derived
   * from INTERNAL_SECRET; set it to keep pseudonyms stable across a rotation of that secret.
   */
  PSEUDONYM_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  /** How long the consumer waits for more events before applying a partial batch. */
  REPORTS_BATCH_LINGER_MS: z.coerce.number().int().min(0).max(5000).default(15),
  /**
   * PDFs built at the same time, each in its own worker thread (one core each while it lasts); further
   * requests wait their turn. The service's own thread stays free for health, routes and consumers.
   */
  REPORTS_PDF_BUILDS: z.coerce.number().int().min(1).max(8).default(1),
};
export type ReportsConfig = ReturnType<typeof loadReportsConfig>;
export const loadReportsConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(reportsEnv, env);
