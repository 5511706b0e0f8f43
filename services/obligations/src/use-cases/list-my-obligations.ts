import type { Principal } from '@pc/service-kit';
import { ownerScopeOf } from '../domain/access';
import { decodeCursor } from '../domain/cursor';
import type { Db } from '../adapters/prisma';
import { pageObligations, type ObligationView, type Page } from '../adapters/obligation-store';

/**
 * GET /v1/me/obligations: every obligation of the calling grantee, across all funders; for a
 * signed-in contact, those of the agreements that list its email.
 */
export async function listMyObligations(
  db: Db,
  p: Principal,
  limit = 50,
  cursor?: string,
): Promise<Page<ObligationView>> {
  return pageObligations(db, ownerScopeOf(p), {}, limit, cursor ? decodeCursor(cursor) : null);
}
