import type { Express, Request, Response } from 'express';
import { fieldError, invalid, isLocale, notFound, principalOf, requireRole } from '@pc/service-kit';
import type { PrismaClient } from '../adapters/prisma';
import { normalizeEmail } from '../domain/ids';

/**
 * PUT /v1/me/contacts/{email}/preferences — a grantee sets the language of its contacts' reminders.
 * The address must be a contact of one of the caller's agreements (tenancy from the signed
 * principal only); anything else is 404, exactly like an address that does not exist.
 */
export function mountRoutes(app: Express, prisma: PrismaClient): void {
  app.put('/v1/me/contacts/:email/preferences', async (req: Request, res: Response) => {
    const p = principalOf(req);
    requireRole(p, 'grantee');
    if (!p.granteeId) throw notFound('contact');
    const email = normalizeEmail(String(req.params.email));
    const body = (req.body ?? {}) as { locale?: unknown };
    if (body.locale !== undefined && !isLocale(body.locale)) {
      throw invalid([fieldError('locale', { en: 'must be fr or en', fr: 'doit être fr ou en' })]);
    }
    const mine = await prisma.agreementContact.findFirst({ where: { granteeId: p.granteeId, email }, select: { email: true } });
    if (!mine) throw notFound('contact');
    const saved = body.locale === undefined
      ? await prisma.contact.findUnique({ where: { email } })
      : await prisma.contact.upsert({ where: { email }, create: { email, locale: body.locale }, update: { locale: body.locale } });
    res.status(200).json({ email, locale: saved?.locale ?? null, failing: Boolean(saved?.failingAt) });
  });
}
