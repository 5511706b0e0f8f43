import type { NextFunction, Request, Response } from 'express';
import { isLocale, localeOf, type Locale } from '@pc/service-kit';
import type { SessionStore } from '../adapters/session-store';
import type { Person } from '../domain/person';
import { COOKIES, readCookies, setCookie } from './cookies';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** the signed-in person, or null (set by `sessions`) */
      person?: Person | null;
      /** hash of the session's cookie (sign-out, language choice) */
      sessionHash?: string;
      /** the page's language: the person's choice, else the visitor's cookie, else Accept-Language, else French */
      locale?: Locale;
      /** the CSRF field value of this request's forms (set by `csrfProtection`) */
      csrfToken?: string;
    }
  }
}

/**
 * Gives every page request its person (or null) and its language. An unknown, ended or expired
 * session cookie is dropped, so the next page shows the sign-in link rather than an error.
 */
export function sessions(store: SessionStore, secure: boolean) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      const cookies = readCookies(req);
      req.person = null;
      const raw = cookies[COOKIES.session];
      if (raw) {
        const s = await store.find(raw);
        if (s) {
          req.person = s.person;
          req.sessionHash = s.idHash;
          req.locale = s.locale;
        } else setCookie(res, COOKIES.session, '', { secure, maxAge: 0 });
      }
      const chosen = cookies[COOKIES.locale];
      req.locale ??= isLocale(chosen) ? chosen : localeOf(req);
      next();
    } catch (err) {
      next(err);
    }
  };
}
