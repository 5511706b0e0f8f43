import type { NextFunction, Request, Response } from 'express';
import { AppError, verifyContactLink } from '@pc/service-kit';
import type { WebDeps } from '../deps';
import { COOKIES, setCookie } from './cookies';

/** The query parameter of the link a reminder email carries (`/grantee?acces=…`). */
export const CONTACT_LINK_PARAM = 'acces';

/**
 * A GET whose query carries a reminder's contact link opens a session for that contact (14-day
 * token, scoped to that one email) and is sent on to the same page without the token, so it leaves
 * the address bar and the history. A bad or expired token is a 401 page offering a new link.
 */
export function contactLinks(deps: WebDeps) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const token = req.query[CONTACT_LINK_PARAM];
    if (req.method !== 'GET' || typeof token !== 'string') {
      next();
      return;
    }
    try {
      const email = verifyContactLink(token, deps.cfg.CONTACT_LINK_SECRET);
      if (!email)
        throw new AppError('unauthenticated', {
          fr: 'Ce lien a expiré. Demandez un lien de connexion sur la page Connexion.',
          en: 'This link has expired. Ask for a sign-in link on the Sign in page.',
        });
      if (req.sessionHash) await deps.sessions.end(req.sessionHash);
      const pref = await deps.prisma.personPreference.findUnique({ where: { email } });
      const locale = pref?.locale === 'en' || pref?.locale === 'fr' ? pref.locale : (req.locale ?? 'fr');
      const cookie = await deps.sessions.open({ email, role: 'grantee_contact', funderIds: [] }, locale);
      setCookie(res, COOKIES.session, cookie, {
        secure: deps.secureCookies,
        maxAge: deps.cfg.SESSION_ABSOLUTE_HOURS * 3600,
      });
      const url = new URL(req.originalUrl, 'http://x');
      url.searchParams.delete(CONTACT_LINK_PARAM);
      res.setHeader('cache-control', 'no-store');
      res.redirect(303, url.pathname + url.search);
    } catch (err) {
      next(err);
    }
  };
}
