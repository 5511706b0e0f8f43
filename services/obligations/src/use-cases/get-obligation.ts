import { requireRole, type Principal } from '@pc/service-kit';
import { readable } from '../domain/access';
import type { Db } from '../adapters/prisma';
import { findObligationForAccess, obligationDetail } from '../adapters/obligation-store';

/** GET /v1/obligations/{id}: with transitions, evidence and reminders (and what the notifier reported). */
export async function getObligation(db: Db, p: Principal, id: string): Promise<Record<string, unknown>> {
  // A role that can never read obligations (admin) is told so (403) before anything is looked up.
  requireRole(p, 'funder', 'auditor', 'grantee', 'contact');
  return obligationDetail(db, readable(p, await findObligationForAccess(db, id)).view);
}
