/**
 * Grantees and the admin's links between funders' grantees. One grantee (or two) by id goes
 * through Prisma; relinking a grantee and its followers, and bumping every agreement that names
 * them, are one statement each (a set of rows at once).
 */
import type { Prisma } from '../generated/prisma/client';
import { agreementInclude, type AgreementRow } from './agreement-store';
import type { Tx } from './prisma';

export type GranteeRow = Prisma.GranteeGetPayload<object>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Every funder's grantee with this NEQ, oldest first. */
export function granteesByNeq(db: Tx, neq: string): Promise<GranteeRow[]> {
  return db.grantee.findMany({ where: { neq }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
}

/** The grantees, row-locked until the transaction ends (two links of one grantee apply one after the other). */
export async function lockGrantees(tx: Tx, ids: string[]): Promise<GranteeRow[]> {
  const valid = ids.filter((id) => UUID.test(id));
  if (valid.length === 0) return [];
  await tx.$queryRawUnsafe('SELECT id FROM grantee WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE', valid);
  return tx.grantee.findMany({ where: { id: { in: valid } } });
}

/**
 * `id` and every grantee that followed it now stand for `canonical`: returns the ids of the
 * grantee rows that changed (their agreements must tell the other services).
 */
export async function relink(tx: Tx, id: string, canonical: string, by: string, at: Date): Promise<string[]> {
  const rows = await tx.$queryRawUnsafe<Array<{ id: string }>>(
    `UPDATE grantee SET linked_to = $2::uuid, linked_at = $4::timestamptz, linked_by = $3
     WHERE (id = $1::uuid OR linked_to = $1::uuid) AND id <> $2::uuid RETURNING id`,
    id,
    canonical,
    by,
    at.toISOString(),
  );
  return rows.map((r) => r.id);
}

/**
 * The active agreements naming these grantee rows, row-locked, after their revision moved on by
 * one (the amended snapshot each one now sends) and a history row says why. Terminated agreements
 * are history: they keep the identity they ended with.
 */
export async function bumpAgreementsOf(
  tx: Tx,
  granteeRowIds: string[],
  h: { actorKeyId: string; reason: string; before: string; after: string },
  at: Date,
): Promise<AgreementRow[]> {
  if (granteeRowIds.length === 0) return [];
  const bumped = await tx.$queryRawUnsafe<Array<{ id: string; revision: number }>>(
    `WITH locked AS (
       SELECT id FROM agreement WHERE grantee_id = ANY($1::uuid[]) AND status = 'active' ORDER BY id FOR UPDATE
     )
     UPDATE agreement a SET revision = a.revision + 1, updated_at = $2::timestamptz FROM locked
     WHERE a.id = locked.id RETURNING a.id, a.revision`,
    granteeRowIds,
    at.toISOString(),
  );
  if (bumped.length === 0) return [];
  await tx.$executeRawUnsafe(
    `INSERT INTO agreement_history (id, agreement_id, revision, kind, reason, changes, before, after, actor_key_id, at)
     SELECT gen_random_uuid(), u.id, u.revision, 'amended', $3, ARRAY['grantee'], jsonb_build_object('granteeId', $4::text),
            jsonb_build_object('granteeId', $5::text), $6, $7::timestamptz
     FROM unnest($1::uuid[], $2::int[]) AS u(id, revision)`,
    bumped.map((b) => b.id),
    bumped.map((b) => b.revision),
    h.reason,
    h.before,
    h.after,
    h.actorKeyId,
    at.toISOString(),
  );
  return tx.agreement.findMany({ where: { id: { in: bumped.map((b) => b.id) } }, include: agreementInclude });
}
