import { fieldError, invalid, isCalendarDate, readableFunders, requireRole, type Principal } from '@pc/service-kit';
import { decodeCursor } from '../domain/cursor';
import type { Db } from '../adapters/prisma';
import { pageObligations, type ListFilters, type ObligationView, type Page } from '../adapters/obligation-store';

export type ListQuery = ListFilters & { limit?: number; cursor?: string };

function checkDates(f: ListFilters): void {
  const errors = (['dueBefore', 'dueAfter'] as const)
    .filter((k) => f[k] !== undefined && !isCalendarDate(f[k]!))
    .map((k) =>
      fieldError(k, { fr: 'doit être une date du calendrier AAAA-MM-JJ', en: 'must be a calendar date YYYY-MM-DD' }),
    );
  if (errors.length) throw invalid(errors);
}

/** GET /v1/obligations: a funder's own, an auditor's scope. dueBefore/dueAfter are inclusive. */
export async function listObligations(db: Db, p: Principal, q: ListQuery): Promise<Page<ObligationView>> {
  requireRole(p, 'funder', 'auditor');
  checkDates(q);
  const { limit, cursor, ...filters } = q;
  return pageObligations(
    db,
    { funderIds: readableFunders(p) },
    filters,
    limit ?? 50,
    cursor ? decodeCursor(cursor) : null,
  );
}
