import type { LookupRequest } from '@pc/contracts';
import { agreementExistsIn, contactExistsFor, obligationExistsIn } from '../adapters/agreement-store';
import { programmeExistsIn } from '../adapters/programme-store';
import type { Tx } from '../adapters/prisma';

/**
 * POST /internal/v1/lookups: does this id exist for this scope? Asked by a service whose projection
 * (built from this service's events) lacks the id, to tell "not yet" from "never, or not yours". The
 * answer is only ever true or false: another tenant's id is as absent as an unknown one.
 */
export async function lookUpId(db: Tx, q: LookupRequest): Promise<boolean> {
  switch (q.kind) {
    case 'obligation':
      return obligationExistsIn(db, q.key, q.scope);
    case 'agreement':
      return agreementExistsIn(db, q.key, q.scope);
    case 'programme':
      // programmes belong to funders: a grantee's scope holds none
      return 'funderIds' in q.scope && programmeExistsIn(db, q.scope.funderIds, q.key);
    case 'contact':
      // contacts are asked about by their grantee only
      return 'granteeId' in q.scope && contactExistsFor(db, q.scope.granteeId, q.key);
  }
}
