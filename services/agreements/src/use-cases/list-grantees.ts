import { granteesByNeq } from '../adapters/grantee-store';
import type { Tx } from '../adapters/prisma';
import { granteeView } from '../adapters/views';

/**
 * GET /v1/grantees?neq= (admin): every funder's grantee with this NEQ and what it is linked to,
 * the list an admin reads before confirming a link (funders see only their own).
 */
export async function listGrantees(db: Tx, neq: string): Promise<{ data: Array<Record<string, unknown>> }> {
  return { data: (await granteesByNeq(db, neq)).map(granteeView) };
}
