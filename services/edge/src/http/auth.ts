import type { NextFunction, Request, Response } from 'express';
import { AppError, type Principal } from '@pc/service-kit';
import { parseApiKeyToken, sameToken, secretMatches } from '../domain/api-key';
import type { EdgeStore } from '../adapters/store';

/**
 * Bearer authentication for every /v1 route: the bootstrap ADMIN_TOKEN or an API key. A revoked
 * key fails at once (no cache). Sets `req.principal`; the tenant comes only from the credential.
 */
export function authenticate(store: EdgeStore, adminToken: string) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    try {
      req.principal = await resolve(store, adminToken, req.headers.authorization);
      next();
    } catch (err) { next(err); }
  };
}

async function resolve(store: EdgeStore, adminToken: string, header: string | undefined): Promise<Principal> {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  if (!m || !m[1]) throw new AppError('unauthenticated', { en: 'an Authorization: Bearer token is required', fr: 'un jeton Authorization: Bearer est requis' });
  const token = m[1];
  if (sameToken(token, adminToken)) return { keyId: 'bootstrap', role: 'admin', funderId: null, funderIds: [], granteeId: null };
  const parsed = parseApiKeyToken(token);
  const key = parsed ? await store.findApiKey(parsed.id) : null;
  if (!parsed || !key || key.revokedAt || !secretMatches(parsed.secret, key.secretHash)) {
    throw new AppError('unauthenticated', { en: 'the token is unknown or revoked', fr: 'le jeton est inconnu ou révoqué' });
  }
  const role = key.role as Principal['role'];
  return {
    keyId: key.id, role,
    funderId: key.funderId,
    funderIds: role === 'funder' && key.funderId ? [key.funderId] : key.funderIds,
    granteeId: key.granteeId,
  };
}
