import type { Express } from 'express';
import { VERIFICATIONS_PATH, verificationRequest, type VerificationResponseBody } from '@pc/contracts';
import { invalid, principalOf, requireServiceCaller } from '@pc/service-kit';
import { verifyDeclaredNote, type VerifyDeclaredDeps } from '../use-cases/verify-declared-note';

/**
 * Internal routes: service to service, not in the public OpenAPI contract (its validator ignores
 * them). Request and answer are the schemas of @pc/contracts, which the obligations service, the
 * caller, parses with too.
 */
export function mountRoutes(app: Express, deps: VerifyDeclaredDeps): void {
  app.post(VERIFICATIONS_PATH, async (req, res) => {
    // Only a signed service identity reaches this: the edge proxies /v1 paths only, never /internal.
    requireServiceCaller(principalOf(req));
    const parsed = verificationRequest.safeParse(req.body ?? {});
    if (!parsed.success)
      throw invalid(parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
    const answer: VerificationResponseBody = await verifyDeclaredNote(deps, parsed.data);
    res.status(200).json(answer);
  });
}
