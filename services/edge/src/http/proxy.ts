import http from 'node:http';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { AppError, PRINCIPAL_HEADER, principalOf, signPrincipal } from '@pc/service-kit';
import type { EdgeConfig } from '../config';
import type { ApiKeyStore } from '../adapters/api-key-store';
import type { IdempotencyStore } from '../adapters/idempotency-store';
import { authenticate } from './auth';
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
  ];
}

/**
 * Authenticates every /v1 request, then forwards the routes other services own with the caller's
 * identity signed in a header. Bodies up to 10 MiB are read here (CSV imports); each service
 * applies its own, tighter limits and validates against the contract.
 */
export function mountProxy(
  app: Express,
  cfg: EdgeConfig,
  stores: { keys: ApiKeyStore; idempotency: IdempotencyStore },
): void {
  const table = routeTable(cfg);
  app.use('/v1', authenticate(stores.keys, cfg.ADMIN_TOKEN));
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
    void raw(req, res, (err?: unknown) => {
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
  const body: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const headers: http.OutgoingHttpHeaders = {
    [PRINCIPAL_HEADER]: signPrincipal(principalOf(req), secret),
    'x-request-id': String(req.id ?? ''),
    accept: req.headers.accept ?? '*/*',
  };
  if (req.headers['content-type']) headers['content-type'] = req.headers['content-type'];
  if (body.length > 0 || ['POST', 'PUT', 'PATCH'].includes(req.method)) headers['content-length'] = body.length;
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
