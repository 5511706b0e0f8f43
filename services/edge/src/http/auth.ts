import type { NextFunction, Request, Response } from 'express';
import { AppError } from '@pc/service-kit';
import type { ApiKeyStore } from '../adapters/api-key-store';
import { authenticateCaller } from '../use-cases/authenticate-caller';
import { countFailure, type AbuseLimits } from './abuse-limits';

/**
 * Bearer authentication for every /v1 route: sets `req.principal` from the token, or answers 401
 * and counts the failure against the client's address (`refuseThrottledAddress` runs before).
 */
export function authenticate(keys: ApiKeyStore, adminToken: string, limits: AbuseLimits) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    try {
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
