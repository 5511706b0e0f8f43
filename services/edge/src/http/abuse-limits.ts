import type { NextFunction, Request, Response } from 'express';
import { heavyReadCost, perMinute, principalOf, RateLimiter, rateLimited } from '@pc/service-kit';

export interface AbuseLimits {
  /** failed authentications by client address: once spent, every request from it waits (401 or not) */
  failuresByAddress: RateLimiter;
  /** heavy reads by API key, and by address (several keys from one place) */
  heavyByKey: RateLimiter;
  heavyByAddress: RateLimiter;
}

export function abuseLimits(
  cfg: { AUTH_FAILURES_PER_MINUTE: number; HEAVY_READS_PER_MINUTE: number; HEAVY_READS_PER_MINUTE_PER_ADDRESS: number },
  now: () => number = Date.now,
): AbuseLimits {
  return {
    failuresByAddress: new RateLimiter(perMinute(cfg.AUTH_FAILURES_PER_MINUTE), now),
    heavyByKey: new RateLimiter(perMinute(cfg.HEAVY_READS_PER_MINUTE), now),
    heavyByAddress: new RateLimiter(perMinute(cfg.HEAVY_READS_PER_MINUTE_PER_ADDRESS), now),
  };
}

/** The client's address: the socket's, or the one `TRUST_PROXY` hops of X-Forwarded-For name. */
export const addressOf = (req: Request): string => req.ip ?? req.socket.remoteAddress ?? 'unknown';

/**
 * Before authentication: an address whose failures are spent gets 429 without its token being
 * checked at all; otherwise a guess would still tell right from wrong while "throttled".
 */
export function refuseThrottledAddress(limits: AbuseLimits) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const wait = limits.failuresByAddress.waitFor(addressOf(req));
    if (wait > 0) {
      next(
        rateLimited(wait, {
          en: 'too many failed authentications from this address; retry later',
          fr: "trop d'authentifications échouées depuis cette adresse; réessayez plus tard",
        }),
      );
      return;
    }
    next();
  };
}

/** Counts one failed authentication against the client's address. */
export function countFailure(limits: AbuseLimits, req: Request): void {
  limits.failuresByAddress.charge(addressOf(req));
}

/** After authentication: reports, PDF, calendar and audit reads spend the key's and the address's budget. */
export function limitHeavyReads(limits: AbuseLimits) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const cost = heavyReadCost(req.method, req.originalUrl.split('?')[0] ?? '', req.query as Record<string, unknown>);
    if (cost === null) {
      next();
      return;
    }
    const key = principalOf(req).keyId;
    const address = addressOf(req);
    // both budgets must allow it; neither is spent when the other refuses
    const wait = Math.max(limits.heavyByKey.waitFor(key, cost), limits.heavyByAddress.waitFor(address, cost));
    if (wait > 0) {
      next(
        rateLimited(wait, {
          en: 'too many reports, calendars or audit reads for this key; retry later',
          fr: "trop de rapports, calendriers ou lectures d'audit pour cette clé; réessayez plus tard",
        }),
      );
      return;
    }
    limits.heavyByKey.take(key, cost);
    limits.heavyByAddress.take(address, cost);
    next();
  };
}
