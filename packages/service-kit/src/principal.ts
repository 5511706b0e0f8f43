import crypto from 'node:crypto';
import { AppError } from './errors';

export type Role = 'admin' | 'funder' | 'auditor' | 'grantee';

/** Who is calling, as established by the edge from the bearer token. Tenancy comes only from here. */
export interface Principal {
  keyId: string; // api key id, or 'bootstrap' for ADMIN_TOKEN
  role: Role;
  funderId: string | null; // role funder
  funderIds: string[]; // role auditor (scope); [funderId] for a funder
  granteeId: string | null; // role grantee
}

export const PRINCIPAL_HEADER = 'x-pc-principal';

/** The edge signs the principal so an internal service never trusts an unsigned identity. */
export function signPrincipal(p: Principal, secret: string): string {
  const body = Buffer.from(JSON.stringify(p)).toString('base64url');
  const sig = crypto.createHmac('sha256', secret).update(body).digest('base64url');
  return `${body}.${sig}`;
}

export function verifyPrincipal(header: string | undefined, secret: string): Principal {
  if (!header)
    throw new AppError('unauthenticated', { en: 'missing caller identity', fr: "identité de l'appelant manquante" });
  const [body, sig] = header.split('.');
  if (!body || !sig)
    throw new AppError('unauthenticated', { en: 'malformed caller identity', fr: "identité de l'appelant mal formée" });
  const expected = crypto.createHmac('sha256', secret).update(body).digest();
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {
    throw new AppError('unauthenticated', {
      en: 'caller identity signature invalid',
      fr: "signature de l'identité de l'appelant invalide",
    });
  }
  return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Principal;
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
