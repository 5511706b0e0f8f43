import crypto from 'node:crypto';
import { AppError } from './errors';

/**
 * `contact`: a grantee contact signed in to the pages (no API key): an email listed as a contact on
 * agreements, who reads exactly the obligations of those agreements (`contactEmail`).
 */
export type Role = 'admin' | 'funder' | 'auditor' | 'grantee' | 'contact';

/** Who is calling, as established by the edge from the bearer token. Tenancy comes only from here. */
export interface Principal {
  keyId: string; // api key id, 'bootstrap' for ADMIN_TOKEN, 'system:<service>' for a service's own call
  role: Role;
  funderId: string | null; // role funder
  funderIds: string[]; // role auditor (scope); [funderId] for a funder
  granteeId: string | null; // role grantee
  contactEmail?: string; // role contact: lower-cased
}

export const PRINCIPAL_HEADER = 'x-pc-principal';

/** The one request a signed principal is good for. */
export interface SignedRequest {
  method: string;
  /** the request target as sent: path and query string (`/v1/obligations?limit=5`) */
  target: string;
  /** the service that is to accept it (`obligations`, `praxis-connector`…) */
  audience: string;
}

/**
 * How long a signature is good for. It is made for one request and checked on arrival, so a few
 * seconds would do; the margin is for clock skew between hosts. Verifiers refuse anything longer
 * than MAX_PRINCIPAL_TTL_S, whoever signed it.
 */
export const PRINCIPAL_TTL_S = 30;
export const MAX_PRINCIPAL_TTL_S = 60;
const CLOCK_SKEW_S = 5;

interface Claims {
  v: 2;
  sub: Principal;
  iat: number;
  exp: number;
  m: string;
  t: string;
  aud: string;
}

const unauthenticated = (en: string, fr: string): AppError => new AppError('unauthenticated', { en, fr });

/**
 * Signs the principal for exactly one request: issued-at, expiry, method, target and audience are
 * under the HMAC, so a captured header is refused later, on another route, or by another service.
 */
export function signPrincipal(p: Principal, secret: string, req: SignedRequest, nowMs = Date.now()): string {
  const iat = Math.floor(nowMs / 1000);
  const claims: Claims = {
    v: 2,
    sub: p,
    iat,
    exp: iat + PRINCIPAL_TTL_S,
    m: req.method.toUpperCase(),
    t: req.target,
    aud: req.audience,
  };
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const sig = crypto.createHmac('sha256', secret).update(body).digest('base64url');
  return `${body}.${sig}`;
}

/** The principal of a header signed for this very request (method, target, audience), or a 401. */
export function verifyPrincipal(
  header: string | undefined,
  secret: string,
  req: SignedRequest,
  nowMs = Date.now(),
): Principal {
  if (!header) throw unauthenticated('missing caller identity', "identité de l'appelant manquante");
  const [body, sig, extra] = header.split('.');
  if (!body || !sig || extra !== undefined)
    throw unauthenticated('malformed caller identity', "identité de l'appelant mal formée");
  const expected = crypto.createHmac('sha256', secret).update(body).digest();
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected))
    throw unauthenticated('caller identity signature invalid', "signature de l'identité de l'appelant invalide");
  let c: Partial<Claims>;
  try {
    c = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Partial<Claims>;
  } catch {
    throw unauthenticated('malformed caller identity', "identité de l'appelant mal formée");
  }
  const now = nowMs / 1000;
  if (
    c.v !== 2 ||
    typeof c.iat !== 'number' ||
    typeof c.exp !== 'number' ||
    c.exp - c.iat > MAX_PRINCIPAL_TTL_S ||
    c.iat > now + CLOCK_SKEW_S ||
    c.exp < now - CLOCK_SKEW_S
  )
    throw unauthenticated('caller identity expired', "identité de l'appelant expirée");
  if (c.m !== req.method.toUpperCase() || c.t !== req.target || c.aud !== req.audience)
    throw unauthenticated(
      'caller identity was signed for another request',
      "l'identité de l'appelant a été signée pour une autre requête",
    );
  if (!c.sub || typeof c.sub.role !== 'string')
    throw unauthenticated('malformed caller identity', "identité de l'appelant mal formée");
  return c.sub;
}

/** The identity a service uses for its own calls to another service (never a person's). */
export function systemPrincipal(service: string): Principal {
  return { keyId: `system:${service}`, role: 'admin', funderId: null, funderIds: [], granteeId: null };
}

export function requireRole(p: Principal, ...roles: Role[]): void {
  if (!roles.includes(p.role))
    throw new AppError('forbidden', {
      en: `role ${p.role} may not do this`,
      fr: `le rôle ${p.role} ne permet pas cette action`,
    });
}

/** Funders a principal may read: its own, or an auditor's scope. Admin reads none by tenancy. */
export function readableFunders(p: Principal): string[] {
  if (p.role === 'funder' && p.funderId) return [p.funderId];
  if (p.role === 'auditor') return p.funderIds;
  return [];
}

/** The single funder a funder key writes for (403 for any other role). */
export function writingFunder(p: Principal): string {
  if (p.role !== 'funder' || !p.funderId)
    throw new AppError('forbidden', {
      en: 'only a funder key may change its data',
      fr: 'seule une clé de bailleur de fonds peut modifier ses données',
    });
  return p.funderId;
}
