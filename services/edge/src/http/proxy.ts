import http from 'node:http';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { AppError, PRINCIPAL_HEADER, principalOf, signPrincipal } from '@pc/service-kit';
import type { EdgeConfig } from '../config';
import type { ApiKeyStore } from '../adapters/api-key-store';
import type { IdempotencyStore } from '../adapters/idempotency-store';
import { authenticate } from './auth';
import { limitHeavyReads, refuseThrottledAddress, type AbuseLimits } from './abuse-limits';
import { idempotency } from './idempotency';

/** Which service answers which public route (first match wins). The edge owns only funders and keys. */
export function routeTable(cfg: EdgeConfig): Array<{ pattern: RegExp; service: string; url: string }> {
  return [
    { pattern: /^\/v1\/(programmes|agreements|grantees)(\/|$)/, service: 'agreements', url: cfg.AGREEMENTS_URL },
    {
      pattern: /^\/v1\/(obligations(\/|$)|me\/obligations$|me\/calendar\.ics$)/,
      service: 'obligations',
      url: cfg.OBLIGATIONS_URL,
    },
    { pattern: /^\/v1\/me\/contacts\//, service: 'notifier', url: cfg.NOTIFIER_URL },
    { pattern: /^\/v1\/(reports|audit)(\/|$)/, service: 'reports', url: cfg.REPORTS_URL },
    { pattern: /^\/v1\/jobs(\/|$)/, service: 'scheduler', url: cfg.SCHEDULER_URL },
    { pattern: /^\/v1\/members(\/|$)/, service: 'web', url: cfg.WEB_URL },
  ];
}

/**
 * The pages (web service): everything a browser opens. They are not /v1: no bearer token, the web
 * service's own session cookie; the edge forwards them as they are, with no principal.
 */
export const PAGE_PATHS =
  /^\/($|sign-in(\/|$)|sign-out$|language$|grantee(\/|$)|funder(\/|$)|auditor(\/|$)|admin(\/|$)|assets\/|calendar\/)/;

/** Headers of the web service's answer that are the connection's, not the page's. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'proxy-authenticate',
  'trailer',
]);

/** Methods whose requests have a body; any other method's body is refused before routing (service-kit). */
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Authenticates every /v1 request, then forwards the routes other services own with the caller's
 * identity signed for that one request. Bodies up to 10 MiB are read here (CSV imports), and only
 * for methods that have one; each service applies its own, tighter limits and validates against
 * the contract. The path was checked before routing (no dot-segment or encoded slash).
 */
export function mountProxy(
  app: Express,
  cfg: EdgeConfig,
  stores: { keys: ApiKeyStore; idempotency: IdempotencyStore },
  limits: AbuseLimits,
): void {
  const table = routeTable(cfg);
  if (cfg.TRUST_PROXY > 0) app.set('trust proxy', cfg.TRUST_PROXY);
  const pageBody = express.raw({ type: () => true, limit: '10mb' });
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (!PAGE_PATHS.test(req.path)) {
      next();
      return;
    }
    const read = WITH_BODY.has(req.method)
      ? pageBody
      : (_q: Request, _s: Response, done: (e?: unknown) => void) => done();
    void read(req, res, (err?: unknown) => {
      if (err) next(err);
      else forwardPage(req, res, cfg.WEB_URL).catch(next);
    });
  });
  app.use('/v1', refuseThrottledAddress(limits), authenticate(stores.keys, cfg.ADMIN_TOKEN, limits));
  app.use('/v1', limitHeavyReads(limits));
  const proxied = (req: Request): (typeof table)[number] | undefined =>
    table.find((r) => r.pattern.test(req.originalUrl.split('?')[0] ?? ''));
  const raw = express.raw({ type: () => true, limit: '10mb' });
  const idem = idempotency(stores.idempotency, (req) => (Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)));
  app.use('/v1', (req: Request, res: Response, next: NextFunction) => {
    const target = proxied(req);
    if (!target) {
      next();
      return;
    }
    const read = WITH_BODY.has(req.method) ? raw : (_q: Request, _s: Response, done: (e?: unknown) => void) => done();
    void read(req, res, (err?: unknown) => {
      if (err) {
        next(err);
        return;
      }
      void idem(req, res, (err2?: unknown) => {
        if (err2) {
          next(err2);
          return;
        }
        forward(req, res, target, cfg.INTERNAL_SECRET).catch(next);
      });
    });
  });
}

async function forward(
  req: Request,
  res: Response,
  target: { service: string; url: string },
  secret: string,
): Promise<void> {
  const upstream = new URL(req.originalUrl, target.url);
  // What is signed is what goes out (the parser may percent-encode a quote in the query). The path
  // was checked before routing; one the parser would still move elsewhere is refused, never followed.
  const sent = upstream.pathname + upstream.search;
  if (
    upstream.origin !== new URL(target.url).origin ||
    !samePath(upstream.pathname, req.originalUrl.split('?')[0] ?? '')
  )
    throw new AppError('bad_request', { en: 'unsafe request path', fr: 'chemin de requête refusé' });
  const body: Buffer = WITH_BODY.has(req.method) && Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const headers: http.OutgoingHttpHeaders = {
    [PRINCIPAL_HEADER]: signPrincipal(principalOf(req), secret, {
      method: req.method,
      target: sent,
      audience: target.service,
      body,
    }),
    'x-request-id': String(req.id ?? ''),
    accept: req.headers.accept ?? '*/*',
  };
  if (req.headers['content-type']) headers['content-type'] = req.headers['content-type'];
  // the public API's language negotiation is the services' (problems, calendars, documents)
  if (req.headers['accept-language']) headers['accept-language'] = req.headers['accept-language'];
  if (WITH_BODY.has(req.method)) headers['content-length'] = body.length;
  await new Promise<void>((resolve, reject) => {
    const out = http.request(upstream, { method: req.method, headers, timeout: 120_000 }, (up) => {
      res.status(up.statusCode ?? 502);
      // retry-after: a 503 of a service whose projection is catching up tells the client when to come back
      for (const h of ['content-type', 'content-disposition', 'location', 'cache-control', 'retry-after']) {
        const v = up.headers[h];
        if (v !== undefined) res.setHeader(h, v);
      }
      up.pipe(res);
      up.on('end', () => resolve());
      up.on('error', reject);
    });
    out.on('timeout', () => out.destroy(new Error('upstream timeout')));
    out.on('error', (err: NodeJS.ErrnoException) => {
      reject(
        new AppError('unavailable', {
          en: `the ${target.service} service is unavailable (${err.code ?? err.message})`,
          fr: `le service ${target.service} est indisponible (${err.code ?? err.message})`,
        }),
      );
    });
    out.end(body);
  });
}

/**
 * A page request passed on to the web service: its cookies, language and form body; the client's
 * address (`X-Forwarded-For`, as this edge sees it: rate limits of sign-in); every header of the
 * answer but the connection's (Set-Cookie, Location, the pages' Content-Security-Policy…).
 */
async function forwardPage(req: Request, res: Response, webUrl: string): Promise<void> {
  const upstream = new URL(req.originalUrl, webUrl);
  if (upstream.origin !== new URL(webUrl).origin || !samePath(upstream.pathname, req.originalUrl.split('?')[0] ?? ''))
    throw new AppError('bad_request', { en: 'unsafe request path', fr: 'chemin de requête refusé' });
  const body: Buffer = WITH_BODY.has(req.method) && Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const headers: http.OutgoingHttpHeaders = {
    'x-request-id': String(req.id ?? ''),
    'x-forwarded-for': req.ip ?? '',
    'x-forwarded-proto': req.protocol,
    accept: req.headers.accept ?? '*/*',
  };
  for (const h of ['cookie', 'content-type', 'accept-language', 'user-agent'] as const) {
    const v = req.headers[h];
    if (v !== undefined) headers[h] = v;
  }
  if (WITH_BODY.has(req.method)) headers['content-length'] = body.length;
  await new Promise<void>((resolve, reject) => {
    const out = http.request(upstream, { method: req.method, headers, timeout: 120_000 }, (up) => {
      res.status(up.statusCode ?? 502);
      for (const [h, v] of Object.entries(up.headers)) if (v !== undefined && !HOP_BY_HOP.has(h)) res.setHeader(h, v);
      up.pipe(res);
      up.on('end', () => resolve());
      up.on('error', reject);
    });
    out.on('timeout', () => out.destroy(new Error('upstream timeout')));
    out.on('error', (err: NodeJS.ErrnoException) => {
      reject(
        new AppError('unavailable', {
          en: `the web service is unavailable (${err.code ?? err.message})`,
          fr: `le service web est indisponible (${err.code ?? err.message})`,
        }),
      );
    });
    out.end(body);
  });
}

/** The same path once percent-encoding is set aside (`'` and `%27` are one path; `/a/../b` and `/b` are not). */
function samePath(a: string, b: string): boolean {
  try {
    return decodeURI(a) === decodeURI(b);
  } catch {
    return false;
  }
}
