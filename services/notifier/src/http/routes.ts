import type { Express, Request, Response } from 'express';
import type { operations } from '@pc/contracts';
import {
  fieldError,
  invalid,
  isLocale,
  notFound,
  principalOf,
  requireRole,
  withProjectedId,
  type IdOwner,
} from '@pc/service-kit';
import type { PrismaClient } from '../adapters/prisma';
import { normalizeEmail } from '../domain/ids';
import { setContactPreferences } from '../use-cases/set-contact-preferences';

type PreferencesInput = operations['setContactPreferences']['requestBody']['content']['application/json'];

/**
 * PUT /v1/me/contacts/{email}/preferences — a grantee sets the language of its contacts' reminders.
 * Tenancy comes from the signed principal only.
 */
export interface RouteDeps {
  prisma: PrismaClient;
  /** the agreements service, asked about an address the directory does not have yet */
  owner: IdOwner;
  /** how long the route waits for such an address to arrive (ms, ≤ 5 s) before answering 503 */
  projectionWaitMs: number;
}

export function mountRoutes(app: Express, { prisma, owner, projectionWaitMs }: RouteDeps): void {
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
      const granteeId = p.granteeId;
      // Read your writes: the contacts of an agreement registered a moment ago may not be in the
      // directory yet; the 404 is confirmed with the agreements service (this grantee only) or waited for.
      const saved = await withProjectedId(() => setContactPreferences(prisma, granteeId, email, locale), {
        what: 'contact',
        maxWaitMs: projectionWaitMs,
        ownerKnows: () => owner.exists({ kind: 'contact', key: email, scope: { granteeId } }),
      });
      res.status(200).json(saved);
    },
  );
}
