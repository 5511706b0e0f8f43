import type { NextFunction, Request, Response } from 'express';
import { AppError, PRINCIPAL_HEADER, verifyPrincipal } from '@pc/service-kit';
import type { ApiKeyStore } from '../adapters/api-key-store';
import { authenticateCaller } from '../use-cases/authenticate-caller';
import { countFailure, type AbuseLimits } from './abuse-limits';

/**
 * Authentication for every /v1 route: sets `req.principal` from the Bearer token, or answers 401
 * and counts the failure against the client's address (`refuseThrottledAddress` runs before).
 *
 * Without a Bearer token, a principal signed for this very request and for the edge (`x-pc-principal`,
 * audience `edge`, INTERNAL_SECRET) is accepted: it is how the web service acts for the person
 * signed in there (a funder officer managing the funder's API keys), as any service calls another.
 * Whoever can sign it already holds the secret every service trusts; a bad one counts as a failure.
 */
export function authenticate(keys: ApiKeyStore, adminToken: string, limits: AbuseLimits, internalSecret: string) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    try {
      const signed = req.headers[PRINCIPAL_HEADER];
      if (req.headers.authorization === undefined && typeof signed === 'string') {
        req.principal = verifyPrincipal(signed, internalSecret, {
          method: req.method,
          target: req.originalUrl,
          audience: 'edge',
        });
        next();
        return;
      }
      const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
      if (!m || !m[1])
        throw new AppError('unauthenticated', {
          en: 'an Authorization: Bearer token is required',
          fr: 'un jeton Authorization: Bearer est requis',
        });
      req.principal = await authenticateCaller(keys, adminToken, m[1]);
      next();
    } catch (err) {
      if (err instanceof AppError && err.code === 'unauthenticated') countFailure(limits, req);
      next(err);
    }
  };
}
