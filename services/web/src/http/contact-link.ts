import type { NextFunction, Request, Response } from 'express';
import { AppError, readContactLink } from '@pc/service-kit';
import type { WebDeps } from '../deps';
import { COOKIES, setCookie } from './cookies';

/** The query parameter of the link a reminder email carries (`/grantee?acces=…`). */
export const CONTACT_LINK_PARAM = 'acces';

/**
 * A GET whose query carries a reminder's contact link opens a session for that contact (14-day
 * token, scoped to that one email) and is sent on to the same page without the token, so it leaves
 * the address bar and the history. A bad or expired token, or one signed before the address was
 * erased (Law 25), is a 401 page offering a new link.
 */
export function contactLinks(deps: WebDeps) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const token = req.query[CONTACT_LINK_PARAM];
    if (req.method !== 'GET' || typeof token !== 'string') {
      next();
      return;
    }
    try {
      const link = readContactLink(token, deps.cfg.CONTACT_LINK_SECRET);
      // A link signed before the address was erased (Law 25) must not open a session, which would
      // write the address here again; it answers as an expired one, telling nothing of the erasure.
      // Signed times are to the second: a link signed in the erasure's own second is refused too.
      const erasedAt = link ? await deps.erasures.erasedAt(link.email) : null;
      if (!link || (erasedAt && link.issuedAtMs <= erasedAt.getTime()))
        throw new AppError('unauthenticated', {
          fr: 'Ce lien a expiré. Demandez un lien de connexion sur la page Connexion.',
          en: 'This link has expired. Ask for a sign-in link on the Sign in page.',
        });
      const { email } = link;
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
