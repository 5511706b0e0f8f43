import { z } from 'zod';
import {
  catchUpEnv,
  loadConfig,
  requiredSecret,
  peerEnv,
  projectionWaitEnv,
  serviceEnv,
  smtpUrlEnv,
} from '@pc/service-kit';
import { parseSendWindow } from './domain/send-window';

export const notifierEnv = {
  ...serviceEnv(8084),
  /** the directory's producers (edge, agreements): a run's digests wait until the directory has consumed what they had committed */
  ...peerEnv,
  ...catchUpEnv,
  SMTP_URL: smtpUrlEnv,
  MAIL_FROM: z
    .string()
    .regex(/<[^<>@\s]+@[^<>@\s]+>\s*$|^[^<>@\s]+@[^<>@\s]+$/, 'must be an address or "Name <address>"')
    .default('Praxis conformité <no-reply@praxis-conformite.local>'),
  /** e.g. "08:00-20:00 America/Montreal"; unset = send at once */
  REMINDER_SEND_WINDOW: z
    .string()
    .optional()
    .superRefine((v, ctx) => {
      if (v === undefined || v.trim() === '') return;
      try {
        parseSendWindow(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    }),
  PUBLIC_BASE_URL: z.url().default('http://localhost:8080'),
  /** signs the link each reminder carries for its contact (the web service checks it); no default */
  CONTACT_LINK_SECRET: requiredSecret(32, 'reminder emails carry contact links signed with it'),
  PROJECTION_WAIT_MS: projectionWaitEnv,
  SMTP_POOL_SIZE: z.coerce.number().int().min(1).max(50).default(5),
  /** how long a claimed digest stays 'sending' before another worker may resend it (same Message-ID) */
  REMINDER_LEASE_MS: z.coerce.number().int().min(100).default(300_000),
  REMINDER_RETRY_BASE_MS: z.coerce.number().int().min(10).default(60_000),
  REMINDER_RETRY_MAX_MS: z.coerce.number().int().min(10).default(3_600_000),
  /** temporary failures tolerated before a digest is given up (≈ 2 days with the default backoff) */
  REMINDER_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(60),
  REMINDER_SWEEP_MS: z.coerce.number().int().min(10).default(2_000),
  REMINDER_BATCH: z.coerce.number().int().min(1).max(1000).default(200),
};
export type NotifierConfig = ReturnType<typeof loadNotifierConfig>;
export const loadNotifierConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(notifierEnv, env);
