import type { NextFunction, Request, Response } from 'express';
import { AppError, PRINCIPAL_HEADER } from '@pc/service-kit';
import type { ApiKeyStore } from '../adapters/api-key-store';
import { authenticateCaller } from '../use-cases/authenticate-caller';
import { countFailure, type AbuseLimits } from './abuse-limits';

/**
 * Authentication for every /v1 route: sets `req.principal` from the Bearer token, or answers 401
 * and counts the failure against the client's address (`refuseThrottledAddress` runs before).
 *
 * Without a Bearer token, a principal signed for this very request and for the edge (`x-pc-principal`,
 * audience `edge`, INTERNAL_SECRET) is let through here: it is how the web service acts for the
 * person signed in there (a funder officer managing the funder's API keys), as any service calls
 * another. It is verified after the body is read, by the runtime's check every service applies (the
 * body's digest is under the signature, and a signature is good once), and only the edge's own
 * routes take it: the proxy forwards nothing without a principal set here (`principalOf` → 401).
 */
export function authenticate(keys: ApiKeyStore, adminToken: string, limits: AbuseLimits) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    try {
      if (req.headers.authorization === undefined && typeof req.headers[PRINCIPAL_HEADER] === 'string') {
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
