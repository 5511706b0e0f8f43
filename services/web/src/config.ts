import { z } from 'zod';
import { loadConfig, peerEnv, requiredSecret, serviceEnv, smtpUrlEnv } from '@pc/service-kit';

export const webEnv = {
  ...serviceEnv(8087),
  /** the services the pages read and write through (each call signed for the signed-in person) */
  ...peerEnv,
  /** the public base URL (the edge) written in emailed links; https makes the session cookie Secure */
  PUBLIC_BASE_URL: z.url().default('http://localhost:8080'),
  /** the notifier's SMTP relay: sign-in links and invitations go out through it */
  SMTP_URL: smtpUrlEnv,
  MAIL_FROM: z
    .string()
    .regex(/<[^<>@\s]+@[^<>@\s]+>\s*$|^[^<>@\s]+@[^<>@\s]+$/, 'must be an address or "Name <address>"')
    .default('Praxis conformité <no-reply@praxis-conformite.local>'),
  /**
   * Signs the 14-day links each reminder email carries for its contact (the notifier signs, the web
   * service checks). No default: a public default would let anyone mint a link.
   */
  CONTACT_LINK_SECRET: requiredSecret(32, 'reminder emails carry contact links signed with it'),
  /** a session ends after this long without a request */
  SESSION_IDLE_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(60),
  /** and after this long whatever happens */
  SESSION_ABSOLUTE_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(12),
  /** sign-in links asked for per email address, and per client address, per 15 minutes */
  SIGN_IN_REQUESTS_PER_EMAIL: z.coerce.number().int().min(1).default(3),
  SIGN_IN_REQUESTS_PER_ADDRESS: z.coerce.number().int().min(1).default(20),
  /**
   * Reports, PDFs, calendars and audit reads a signed-in person may ask of the services per minute
   * (a PDF counts five): the edge's budget for an API key, which the pages' direct calls would skip.
   */
  HEAVY_READS_PER_MINUTE: z.coerce.number().int().min(1).default(30),
};
export type WebConfig = ReturnType<typeof loadWebConfig>;
export const loadWebConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(webEnv, env);
