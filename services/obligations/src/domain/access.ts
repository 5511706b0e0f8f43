/** Who may read an obligation and who acts: from the signed principal only (tenancy never comes from the request). */
import type { LookupScope } from '@pc/contracts';
import { AppError, notFound, readableFunders, requireRole, type Principal } from '@pc/service-kit';
import type { Actor } from './lifecycle';

/** The grantee a grantee key speaks for (403 for any other role or a key that names none). */
export function granteeOf(p: Principal): string {
  requireRole(p, 'grantee');
  if (!p.granteeId) throw new AppError('forbidden', 'this grantee key names no grantee');
  return p.granteeId;
}

/**
 * Whose own obligations a grantee-side caller reads (`/v1/me/…`, evidence): a grantee key's grantee,
 * or a signed-in contact's email (the pages), who reads exactly the agreements that list it, not
 * everything of the organisation. 403 for any other role.
 */
export type OwnerScope = { granteeId: string } | { contactEmail: string };
export function ownerScopeOf(p: Principal): OwnerScope {
  if (p.role === 'contact') {
    if (!p.contactEmail) throw new AppError('forbidden', 'this contact principal names no email');
    return { contactEmail: p.contactEmail.toLowerCase() };
  }
  return { granteeId: granteeOf(p) };
}

/** Is this obligation (of an agreement listing `contactEmails`) one the owner scope holds? */
export function ownedBy(scope: OwnerScope, o: { granteeId: string; contactEmails: readonly string[] }): boolean {
  return 'granteeId' in scope ? scope.granteeId === o.granteeId : o.contactEmails.includes(scope.contactEmail);
}

/**
 * May this caller see this obligation? Funder/auditor in scope, the owning grantee, or a contact
 * listed on its agreement (`contactEmails`, the agreement's, lower-cased).
 */
export function canRead(
  p: Principal,
  o: { funderId: string; granteeId: string; contactEmails?: readonly string[] },
): boolean {
  if (p.role === 'contact') return !!p.contactEmail && (o.contactEmails ?? []).includes(p.contactEmail.toLowerCase());
  if (p.role === 'grantee') return p.granteeId !== null && p.granteeId === o.granteeId;
  if (p.role === 'funder' || p.role === 'auditor') return readableFunders(p).includes(o.funderId);
  return false;
}

/**
 * The scope `canRead` admits, as the obligations' owner is asked about an id this service does not
 * have yet; null when the caller may read no obligation at all (admin), so its answer is 404 anyway.
 */
export function lookupScopeOf(p: Principal): LookupScope | null {
  if (p.role === 'grantee') return p.granteeId ? { granteeId: p.granteeId } : null;
  const funderIds = readableFunders(p);
  return funderIds.length > 0 ? { funderIds } : null;
}

/** The obligation if this caller may see it; otherwise, for this caller, it does not exist (404). */
export function readable<T extends { funderId: string; granteeId: string; contactEmails?: readonly string[] }>(
  p: Principal,
  o: T | null,
): T {
  if (!o || !canRead(p, o)) throw notFound('obligation');
  return o;
}

/** The API key that made a change, as history and events name it. */
export const actorOf = (p: Principal): Actor => ({ kind: 'api_key', id: p.keyId });
