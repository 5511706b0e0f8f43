import path from 'node:path';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { renderToString } from 'preact-render-to-string';
import { AppError, refuseUnsafeText, type Locale } from '@pc/service-kit';
import type { WebDeps } from '../deps';
import type { Page, PageContext, PageResult } from '../pages/page';
import { Layout } from '../pages/layout';
import { common } from '../pages/texts';
import { csrfProtection } from './csrf';
import { uploads } from './uploads';
import { sessions } from './session';
import { contactLinks } from './contact-link';

/** Where the served files are (no CDN: styles and the one small script are the project's). */
export const ASSETS_DIR = path.join(__dirname, '..', '..', 'assets');

/** Pages only load what this service serves; no inline script, no framing. */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/**
 * The HTML side: static assets, then for each page of `pages` its session, CSRF check and access
 * rule, its handler, and the layout around what it returns. Errors become an HTML page in the
 * person's language (the API's problem+json stays for /v1).
 */
export function pagesRouter(deps: WebDeps, pages: readonly Page[], csrfKey: string): Router {
  const r = express.Router();
  r.use('/assets', express.static(ASSETS_DIR, { fallthrough: false, index: false, maxAge: '1h' }));
  r.use(express.urlencoded({ extended: false, limit: '64kb' }));
  // the form fields were not parsed yet when the service-wide check ran
  r.use(refuseUnsafeText());
  r.use(sessions(deps.sessions, deps.secureCookies));
  // a page's file upload is parsed before the CSRF check, which reads the form's hidden field
  r.use(uploads(pages));
  r.use(csrfProtection(csrfKey, deps.secureCookies));
  r.use(contactLinks(deps));
  for (const p of pages) {
    const handler = async (req: Request, res: Response): Promise<void> => {
      const ctx = contextOf(req, res, deps);
      if (p.access !== 'public') {
        if (!ctx.person) {
          if (req.method === 'GET') {
            res.redirect(303, `/sign-in?next=${encodeURIComponent(req.originalUrl)}`);
            return;
          }
          throw new AppError('unauthenticated', { fr: 'Connectez-vous d’abord.', en: 'Please sign in first.' });
        }
        if (p.access !== 'signed-in' && !p.access.includes(ctx.person.role))
          throw new AppError('forbidden', {
            fr: 'Cette page ne fait pas partie de votre accès.',
            en: 'This page is not part of your access.',
          });
      }
      send(res, ctx, await p.handle(ctx));
    };
    if (p.method === 'GET') r.get(p.path, handler);
    else r.post(p.path, handler);
  }
  r.use((_req, _res, next) =>
    next(new AppError('not_found', { fr: 'Cette page n’existe pas.', en: 'This page does not exist.' })),
  );
  r.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const e = err instanceof AppError ? err : null;
    if (!e) deps.logger.error({ err }, 'page failed');
    const status = e?.status ?? 500;
    const locale: Locale = req.locale ?? 'fr';
    const message = e
      ? locale === 'fr' && e.fr
        ? e.fr
        : e.message
      : locale === 'fr'
        ? 'Une erreur inattendue est survenue.'
        : 'An unexpected error occurred.';
    if (e?.retryAfterSeconds) res.setHeader('retry-after', String(e.retryAfterSeconds));
    const ctx = contextOf(req, res, deps);
    send(res, ctx, {
      status,
      title: common.t(locale, 'errorTitle', status),
      body: (
        <>
          <p role="alert">{message}</p>
          <p>
            <a href="/">{common.t(locale, 'back')}</a>
          </p>
        </>
      ),
    });
  });
  return r;
}

function contextOf(req: Request, res: Response, deps: WebDeps): PageContext {
  const person = req.person ?? null;
  const locale = req.locale ?? 'fr';
  return {
    req,
    res,
    person,
    locale,
    csrf: req.csrfToken ?? '',
    call: person ? deps.callsFor(person, locale) : null,
    path: req.path,
    returnTo: req.method === 'GET' ? req.originalUrl : '/',
    deps,
  };
}

function send(res: Response, ctx: PageContext, out: PageResult): void {
  // every page may show personal data: never stored by a shared cache
  res.setHeader('cache-control', 'no-store');
  if ('redirect' in out) {
    res.redirect(303, out.redirect);
    return;
  }
  if ('raw' in out) {
    for (const [k, v] of Object.entries(out.headers ?? {})) res.setHeader(k, v);
    res
      .status(out.status ?? 200)
      .type(out.contentType)
      .send(out.raw);
    return;
  }
  res.setHeader('content-security-policy', CSP);
  res.setHeader('content-language', ctx.locale);
  const html = renderToString(
    <Layout ctx={ctx} title={out.title}>
      {out.body}
    </Layout>,
  );
  res
    .status(out.status ?? 200)
    .type('html')
    .send(`<!doctype html>${html}`);
}

/** Only paths of this site are followed after a form (never `//other.example` or a full URL). */
export function localPath(next: unknown, fallback = '/'): string {
  return typeof next === 'string' && /^\/(?![/\\])/.test(next) ? next : fallback;
}
