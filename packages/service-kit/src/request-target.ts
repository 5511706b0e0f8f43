import type { Request } from 'express';
import { publicPathTemplates } from '@pc/contracts';
import { AppError } from './errors';

/**
 * Why a request target must be refused before any routing, or null when it is safe. The URL parser
 * that forwards a request (WHATWG `new URL`) resolves `..`, `%2e%2e` and `\`, so a path that looked
 * like `/v1/obligations/…` to a router could reach `/metrics` of the service behind it. A path here
 * has no dot-segment (plain or percent-encoded), no encoded slash or backslash, no empty segment,
 * no control character, and is origin-form (`/…`, not `http://host/…`).
 */
export function unsafeTargetReason(target: string): string | null {
  if (!target.startsWith('/')) return 'the request target must be a path';
  const path = target.split('?')[0] ?? '';
  const segments = path.split('/').slice(1);
  for (const [i, raw] of segments.entries()) {
    if (raw === '' && i < segments.length - 1) return 'empty path segment';
    if (raw.includes('\\')) return 'backslash in the path';
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return 'malformed percent-encoding in the path';
    }
    if (seg === '.' || seg === '..') return 'dot-segment in the path';
    if (seg.includes('/') || seg.includes('\\')) return 'encoded slash in the path';
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(seg)) return 'control character in the path';
  }
  return null;
}

/** Methods whose requests carry no body in this API: a body there is refused, never read. */
const BODILESS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);

export function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** The first middleware of every service: unsafe targets and bodies on GET/HEAD/DELETE/OPTIONS are a 400. */
export function refuseUnsafeRequests(req: Request, _res: unknown, next: (err?: unknown) => void): void {
  const reason = unsafeTargetReason(req.originalUrl ?? req.url);
  if (reason) {
    next(
      new AppError('bad_request', { en: `unsafe request path: ${reason}`, fr: `chemin de requête refusé : ${reason}` }),
    );
    return;
  }
  if (BODILESS.has(req.method) && hasBody(req)) {
    next(
      new AppError('bad_request', {
        en: `a ${req.method} request carries no body`,
        fr: `une requête ${req.method} ne porte pas de corps`,
      }),
    );
    return;
  }
  next();
}

let matchers: Array<{ template: string; re: RegExp }> | undefined;

function routeMatchers(): Array<{ template: string; re: RegExp }> {
  matchers ??= publicPathTemplates()
    .map((template) => {
      const parts = template.split('/');
      const params = parts.filter((p) => /^\{.+\}$/.test(p)).length;
      const re = new RegExp(
        '^' +
          parts.map((p) => (/^\{.+\}$/.test(p) ? '[^/]+' : p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/') +
          '/?$',
      );
      return { template, re, params };
    })
    // a literal path wins over a template (`/v1/jobs/evaluate` before `/v1/jobs/{id}`)
    .sort((a, b) => a.params - b.params)
    .map(({ template, re }) => ({ template, re }));
  return matchers;
}

/**
 * The route pattern of a request, as logs and metrics name it: the contract's template
 * (`/v1/me/contacts/{email}/preferences`), else the express route of an internal path, else
 * `unmatched`. Never the raw path: it may carry an email, a name or a reference.
 */
export function routeOf(req: { originalUrl?: string; url?: string; baseUrl?: string; route?: unknown }): string {
  const path = (req.originalUrl ?? req.url ?? '').split('?')[0] ?? '';
  const hit = routeMatchers().find((m) => m.re.test(path));
  if (hit) return hit.template;
  const route = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof route === 'string') return (req.baseUrl ?? '') + route;
  return 'unmatched';
}
