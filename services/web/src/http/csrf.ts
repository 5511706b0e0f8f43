import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { AppError } from '@pc/service-kit';
import { COOKIES, readCookies, setCookie } from './cookies';

/** The hidden field every page form carries (`<CsrfField />`, pages/layout.tsx). */
export const CSRF_FIELD = '_csrf';

/**
 * Signed double submit: a random HttpOnly cookie, and in each form the HMAC of it under the
 * service's key. Another site can make the browser send the cookie (not even that: SameSite=Lax)
 * but can neither read it nor compute the field. Works before sign-in too (the sign-in form), and
 * needs no table.
 */
export function csrfProtection(key: string, secure: boolean) {
  const sign = (cookie: string): string =>
    crypto.createHmac('sha256', key).update(`csrf:${cookie}`).digest('base64url');
  return (req: Request, res: Response, next: NextFunction): void => {
    let cookie = readCookies(req)[COOKIES.csrf];
    if (!cookie || !/^[\w-]{20,100}$/.test(cookie)) {
      cookie = crypto.randomBytes(24).toString('base64url');
      setCookie(res, COOKIES.csrf, cookie, { secure });
      if (req.method === 'POST') {
        next(csrfRefused());
        return;
      }
    }
    req.csrfToken = sign(cookie);
    if (req.method === 'POST') {
      const given = (req.body as Record<string, unknown> | undefined)?.[CSRF_FIELD];
      const a = Buffer.from(typeof given === 'string' ? given : '');
      const b = Buffer.from(req.csrfToken);
      if (a.length !== b.length || !crypto.timingSafeEqual(a, b)) {
        next(csrfRefused());
        return;
      }
    }
    next();
  };
}

const csrfRefused = (): AppError =>
  new AppError('forbidden', {
    fr: 'Ce formulaire a expiré ou ne vient pas de ce site. Rechargez la page et réessayez.',
    en: 'This form has expired or does not come from this site. Reload the page and try again.',
  });
