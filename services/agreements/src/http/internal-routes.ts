import type { Express } from 'express';
import { LOOKUPS_PATH, lookupRequest, type LookupResponseBody } from '@pc/contracts';
import { invalid, principalOf, requireServiceCaller } from '@pc/service-kit';
import type { Tx } from '../adapters/prisma';
import { lookUpId } from '../use-cases/look-up-id';

/**
 * Internal routes: service to service, not in the public OpenAPI contract (its validator ignores
 * them, and the edge proxies /v1 only). Request and answer are the schemas of @pc/contracts, which
 * the callers parse with too.
 */
export function mountInternalRoutes(app: Express, db: Tx): void {
  app.post(LOOKUPS_PATH, async (req, res) => {
    requireServiceCaller(principalOf(req));
    const parsed = lookupRequest.safeParse(req.body ?? {});
    if (!parsed.success)
      throw invalid(parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
    const answer: LookupResponseBody = { exists: await lookUpId(db, parsed.data) };
    res.status(200).json(answer);
  });
}
