import { fieldError, invalid, isCalendarDate, readableFunders, requireRole, type Principal } from '@pc/service-kit';
import { SORTS, decodeSearchCursor, likePattern, type Sort } from '../domain/obligation-search';
import type { Db } from '../adapters/prisma';
import { searchObligations, type ObligationList } from '../adapters/obligation-list-store';

export interface ListQuery {
  status?: string;
  programme?: string;
  dueBefore?: string;
  dueAfter?: string;
  agreementId?: string;
  /** a grantee id (the organisation) */
  grantee?: string;
  /** free text: grantee name, agreement title, external ref or reference code contain it (any case) */
  q?: string;
  sort?: string;
  limit?: number;
  cursor?: string;
}

function checkQuery(f: ListQuery): Sort {
  const errors = (['dueBefore', 'dueAfter'] as const)
    .filter((k) => f[k] !== undefined && !isCalendarDate(f[k]!))
    .map((k) =>
      fieldError(k, { fr: 'doit être une date du calendrier AAAA-MM-JJ', en: 'must be a calendar date YYYY-MM-DD' }),
    );
  if (
    f.dueBefore &&
    f.dueAfter &&
    isCalendarDate(f.dueBefore) &&
    isCalendarDate(f.dueAfter) &&
    f.dueAfter > f.dueBefore
  )
    errors.push(
      fieldError('dueAfter', {
        fr: 'doit être au plus tard la date de dueBefore (fenêtre vide)',
        en: 'must be on or before dueBefore (empty window)',
      }),
    );
  if (errors.length) throw invalid(errors);
  // The contract's enum is checked by the validator; the default is the due-date order.
  return (SORTS as readonly string[]).includes(f.sort ?? '') ? (f.sort as Sort) : 'dueDate';
}

/**
 * GET /v1/obligations: a funder's own, an auditor's scope, filtered, sorted, one keyset page at a
 * time with the total of every page. dueBefore/dueAfter are inclusive.
 */
export async function listObligations(db: Db, p: Principal, q: ListQuery): Promise<ObligationList> {
  requireRole(p, 'funder', 'auditor');
  const sort = checkQuery(q);
  const { limit, cursor, grantee, q: text, sort: _sort, ...filters } = q;
  return searchObligations(
    db,
    readableFunders(p),
    { ...filters, granteeId: grantee, like: likePattern(text) },
    sort,
    limit ?? 50,
    cursor ? decodeSearchCursor(cursor, sort) : null,
  );
}
