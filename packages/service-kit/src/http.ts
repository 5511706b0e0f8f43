import crypto from 'node:crypto';
import http from 'node:http';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import * as OpenApiValidator from 'express-openapi-validator';
import { openApiPath } from '@pc/contracts';
import { AppError, DEFAULT_RETRY_AFTER_SECONDS, type FieldError } from './errors';
import { catalog, DEFAULT_LOCALE, localeOf, type Locale } from './i18n';
import type { Logger } from './logger';
import { metrics } from './metrics';
import { PRINCIPAL_HEADER, SeenSignatures, verifyPrincipal, type Principal } from './principal';
import { refuseUnsafeText } from './text';
import { refuseUnsafeRequests, routeOf } from './request-target';

export type ReadinessCheck = () => Promise<void>;

export interface HttpAppOptions {
  service: string;
  logger: Logger;
  /** Readiness checks by name (database, broker…); /readyz is 503 while any fails or while draining. */
  readiness?: Record<string, ReadinessCheck>;
  /** Validate requests (and optionally responses) against contracts/openapi.yaml. */
  openapi?: { validateResponses: boolean };
  /**
   * Secret to verify the principal signed by the edge (or by a service calling this one): it must be
   * signed for this method, request target and service (`service` is the audience), and fresh.
   * Routes read it with `principalOf(req)`.
   */
  internalSecret?: string;
  routes: (app: Express) => void;
  /** Mounted before body parsing and contract validation (the edge's proxy streams raw bodies). */
  beforeBody?: (app: Express) => void;
}

export interface HttpApp {
  app: Express;
  /** Flip readiness to 503 before shutting down, so load balancers stop sending work. */
  drain(): void;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      principal?: Principal;
      /** the body's bytes as received, kept by the parsers: the signed principal covers them */
      rawBody?: Buffer;
    }
  }
}

export function createHttpApp(opts: HttpAppOptions): HttpApp {
  const app = express();
  let draining = false;
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(helmet({ contentSecurityPolicy: false }));
  app.use(
    pinoHttp({
      logger: opts.logger,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && /^[\w.-]{1,100}$/.test(given) ? given : crypto.randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      // Health probes would drown the log; errors on them still surface through readiness.
      autoLogging: { ignore: (req) => ['/healthz', '/readyz', '/metrics'].includes(req.url ?? '') },
      // The route pattern, never the raw path or query: both may carry an email or a name (Law 25).
      serializers: {
        req: (req: { id: unknown; method: string; raw: Request }) => ({
          id: req.id,
          method: req.method,
          route: routeOf(req.raw),
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  );
  app.use((req, res, next) => {
    const end = metrics.httpDuration.startTimer({ service: opts.service, method: req.method });
    res.on('finish', () => end({ route: routeOf(req), status: String(res.statusCode) }));
    next();
  });
  // Before any route (the edge's proxy included): dot-segments, encoded slashes, bodies on GET.
  app.use(refuseUnsafeRequests);

  // `service` lets a caller (the test kit's signing client) learn which audience this port is.
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', service: opts.service });
  });
  app.get('/readyz', async (_req, res) => {
    if (draining) {
      res.status(503).json({ status: 'draining' });
      return;
    }
    const checks: Record<string, string> = {};
    let ok = true;
    for (const [name, check] of Object.entries(opts.readiness ?? {})) {
      try {
        await check();
        checks[name] = 'ok';
      } catch (err) {
        ok = false;
        checks[name] = (err as Error).message;
      }
    }
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable', checks });
  });
  app.get('/metrics', async (_req, res) => {
    res.setHeader('content-type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });

  opts.beforeBody?.(app);
  app.use(express.json({ limit: '1mb', type: ['application/json', 'application/*+json'], verify: keepRawBody }));
  app.use(express.text({ limit: '10mb', type: ['text/csv', 'text/plain'], verify: keepRawBody }));
  if (opts.internalSecret) {
    const secret = opts.internalSecret;
    // this replica's memory of the signatures it accepted (see SeenSignatures: per process)
    const seen = new SeenSignatures();
    app.use((req, _res, next) => {
      const header = req.headers[PRINCIPAL_HEADER];
      // a principal already established (the edge's Bearer token) wins over a header beside it
      if (typeof header !== 'string' || req.principal) {
        next();
        return;
      }
      rawBodyOf(req)
        .then((body) => {
          req.principal = verifyPrincipal(
            header,
            secret,
            { method: req.method, target: req.originalUrl, audience: opts.service, body },
            Date.now(),
            seen,
          );
          next();
        })
        .catch(next);
    });
  }
  // Before the contract: a NUL, a lone surrogate or a control character is a 422, never a 500.
  app.use(refuseUnsafeText());
  if (opts.openapi) {
    app.use(
      OpenApiValidator.middleware({
        apiSpec: openApiPath,
        validateRequests: { allowUnknownQueryParameters: false, removeAdditional: false, allErrors: true },
        validateResponses: opts.openapi.validateResponses ? { removeAdditional: false } : false,
        validateSecurity: false,
        ignoreUndocumented: true,
        validateFormats: true,
      }),
    );
  }
  opts.routes(app);
  app.use((req, _res, next) =>
    next(
      new AppError('not_found', {
        en: `no route ${req.method} ${req.path}`,
        fr: `aucune route ${req.method} ${req.path}`,
      }),
    ),
  );
  app.use(problemHandler(opts.logger));
  return {
    app,
    drain: () => {
      draining = true;
    },
  };
}

/** A body parser's `verify`: keeps the bytes it parsed (the principal's signature covers them). */
export function keepRawBody(req: http.IncomingMessage, _res: http.ServerResponse, buf: Buffer): void {
  (req as Request).rawBody = buf;
}

const MAX_UNPARSED_BODY = 10 * 1024 * 1024;

/**
 * The bytes of the request's body: as a parser kept them, or read here when none took it (a type
 * no route parses: the signature must still cover what was sent). Empty when there is none.
 */
async function rawBodyOf(req: Request): Promise<Buffer> {
  if (req.rawBody) return req.rawBody;
  const declared = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
  if (!declared || req.readableEnded) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_UNPARSED_BODY)
      throw new AppError('payload_too_large', { en: 'request body too large', fr: 'corps de requête trop volumineux' });
    chunks.push(chunk);
  }
  req.rawBody = Buffer.concat(chunks);
  return req.rawBody;
}

/** The caller established by the edge; 401 when absent. */
export function principalOf(req: Request): Principal {
  if (!req.principal)
    throw new AppError('unauthenticated', { en: 'authentication required', fr: 'authentification requise' });
  return req.principal;
}

/**
 * The contract validator (AJV) writes English. A funder officer reads these messages too, so the
 * common ones are given in French (the default); anything unmapped keeps the validator's words.
 */
export function frenchValidationMessage(errorCode: string | undefined, message: string): string {
  const kind = (errorCode ?? '').split('.')[0];
  const tail = (re: RegExp): string => re.exec(message)?.[1] ?? '';
  switch (kind) {
    case 'required':
      return 'champ obligatoire';
    case 'additionalProperties':
      return 'champ inconnu';
    case 'enum':
      return `valeur non permise (valeurs permises : ${tail(/allowed values: (.*)$/)})`;
    case 'pattern':
      return `format invalide (attendu : ${tail(/pattern "(.*)"/)})`;
    case 'format':
      return `format invalide (attendu : ${tail(/format "(.*)"/)})`;
    case 'type':
      return `type invalide (attendu : ${tail(/must be (\w+)/)})`;
    case 'minLength':
      return `trop court (au moins ${tail(/fewer than (\d+)/)} caractère(s))`;
    case 'maxLength':
      return `trop long (au plus ${tail(/more than (\d+)/)} caractères)`;
    case 'minimum':
      return `valeur trop petite (minimum ${tail(/>= (-?[\d.]+)/)})`;
    case 'maximum':
      return `valeur trop grande (maximum ${tail(/<= (-?[\d.]+)/)})`;
    case 'minItems':
      return `trop peu d'éléments (au moins ${tail(/fewer than (\d+)/)})`;
    case 'maxItems':
      return `trop d'éléments (au plus ${tail(/more than (\d+)/)})`;
    case 'minProperties':
      return 'au moins un champ est requis';
    case 'oneOf':
      return 'ne correspond à aucune des formes permises';
    default:
      return message;
  }
}

/** `/body/requirements/0/due/offset` → `requirements[0].due.offset` (the contract's path style). */
export function toFieldPath(pointer: string): string {
  const parts = pointer.replace(/^\//, '').split('/').filter(Boolean);
  if (parts[0] === 'body' || parts[0] === 'query' || parts[0] === 'params' || parts[0] === 'headers') {
    if (parts[0] !== 'body') parts[0] = parts[0] === 'params' ? 'path' : parts[0];
    else parts.shift();
  }
  return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

/** Problem titles a person reads: French by default, English when the client prefers it. */
const titles = catalog({
  fr: {
    400: 'Requête invalide',
    401: 'Authentification requise',
    403: 'Accès refusé',
    404: 'Introuvable',
    405: 'Méthode non permise',
    409: 'Conflit',
    413: 'Contenu trop volumineux',
    415: 'Type de contenu non pris en charge',
    422: 'Données invalides',
    429: 'Trop de requêtes',
    500: 'Erreur interne',
    501: 'Pas encore disponible',
    503: 'Service indisponible',
  },
  en: {
    400: 'Bad request',
    401: 'Unauthenticated',
    403: 'Forbidden',
    404: 'Not found',
    405: 'Method not allowed',
    409: 'Conflict',
    413: 'Payload too large',
    415: 'Unsupported media type',
    422: 'Validation failed',
    429: 'Too many requests',
    500: 'Internal error',
    501: 'Not implemented',
    503: 'Service unavailable',
  },
});
const titleOf = (status: number, locale: Locale): string | undefined =>
  titles.has(status) ? titles.t(locale, status) : undefined;

interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
}

export function problem(
  status: number,
  detail: string,
  errors?: FieldError[],
  locale: Locale = DEFAULT_LOCALE,
): ProblemBody {
  const body: ProblemBody = {
    type: `https://praxis-compliance.encommun.io/problems/${status}`,
    title: titleOf(status, locale) ?? http.STATUS_CODES[status] ?? 'Error',
    status,
    detail,
  };
  if (errors && errors.length > 0) body.errors = errors;
  return body;
}

/** The one place errors become RFC 9457 problems. */
export function problemHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    let body: ProblemBody;
    const locale = localeOf(req);
    const english = locale === 'en';
    const e = err as {
      status?: number;
      type?: string;
      errors?: { path?: string; message: string; errorCode?: string }[];
      code?: string;
      message?: string;
    };
    if (err instanceof AppError) {
      const errors = err.errors?.map(({ fr, ...e }) => ({ ...e, message: english ? e.message : (fr ?? e.message) }));
      body = problem(err.status, english ? err.message : (err.fr ?? err.message), errors);
    } else if (e?.type === 'entity.too.large') {
      body = problem(413, 'request body is larger than this route accepts');
    } else if (e?.type === 'entity.parse.failed') {
      body = problem(400, 'request body is not valid JSON');
    } else if (e?.type === 'charset.unsupported' || e?.type === 'encoding.unsupported') {
      body = problem(415, e.message ?? 'unsupported encoding');
    } else if (typeof e?.status === 'number' && Array.isArray(e.errors)) {
      // express-openapi-validator: contract violations become 422 naming every field.
      const status = e.status === 400 ? 422 : e.status;
      const errors = e.errors.map((x) => ({
        path: toFieldPath(x.path ?? ''),
        message: english ? x.message : frenchValidationMessage(x.errorCode, x.message),
      }));
      const detail =
        status === 422
          ? english
            ? 'the request does not match the contract'
            : 'la requête ne respecte pas le contrat'
          : (e.message ?? 'error');
      body = problem(status, detail, errors);
      if (status === 500) logger.error({ err, route: routeOf(req) }, 'response does not match the contract');
    } else if (e?.code === 'P2002') {
      body = problem(409, 'a record with the same unique key already exists');
    } else if (e?.code === 'P2025') {
      body = problem(404, 'not found');
    } else {
      logger.error({ err, route: routeOf(req) }, 'unhandled error');
      body = problem(500, 'an unexpected error occurred');
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    if (english) body.title = titleOf(body.status, 'en') ?? body.title;
    // A 503 always says when to come back (a client that follows it needs no guess of its own); a 429 says how long.
    if (err instanceof AppError && err.retryAfterSeconds !== undefined)
      res.setHeader('retry-after', String(err.retryAfterSeconds));
    else if (body.status === 503) res.setHeader('retry-after', String(DEFAULT_RETRY_AFTER_SECONDS));
    res
      .status(body.status)
      .setHeader('content-language', locale)
      .type('application/problem+json')
      .send(JSON.stringify(body));
  };
}
