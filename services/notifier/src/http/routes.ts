import type { Express, Request, Response } from 'express';
import type { operations } from '@pc/contracts';
import { fieldError, invalid, isLocale, notFound, principalOf, requireRole } from '@pc/service-kit';
import type { PrismaClient } from '../adapters/prisma';
import { normalizeEmail } from '../domain/ids';
import { setContactPreferences } from '../use-cases/set-contact-preferences';

type PreferencesInput = operations['setContactPreferences']['requestBody']['content']['application/json'];

/**
 * PUT /v1/me/contacts/{email}/preferences — a grantee sets the language of its contacts' reminders.
 * Tenancy comes from the signed principal only.
 */
export function mountRoutes(app: Express, prisma: PrismaClient): void {
  app.put(
    '/v1/me/contacts/:email/preferences',
    async (req: Request<{ email: string }, unknown, PreferencesInput | undefined>, res: Response) => {
      const p = principalOf(req);
      requireRole(p, 'grantee');
      if (!p.granteeId) throw notFound('contact');
      const email = normalizeEmail(String(req.params.email));
      const locale = req.body?.locale;
      // The contract validator refuses other values first; this keeps the answer if it is ever bypassed.
      if (locale !== undefined && !isLocale(locale)) {
        throw invalid([fieldError('locale', { en: 'must be fr or en', fr: 'doit être fr ou en' })]);
      }
      res.status(200).json(await setContactPreferences(prisma, p.granteeId, email, locale));
    },
  );
}
