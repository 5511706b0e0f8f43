import { fieldError, invalid, requireRole, type Principal } from '@pc/service-kit';
import type { components } from '@pc/contracts';
import type { ApiKeyStore } from '../adapters/api-key-store';

type ApiKeySummary = components['schemas']['ApiKeySummary'];

/** How many keys one answer lists at most (newest first): a funder has a handful, an admin filters. */
export const API_KEY_LIST_MAX = 500;

/**
 * The API keys a caller manages, newest first, never a secret: a funder its own funder keys; an
 * admin every key, or one funder's (`funderId`). Revoked keys are listed with when.
 */
export async function listApiKeys(
  deps: { keys: ApiKeyStore },
  p: Principal,
  q: { funderId?: string },
): Promise<{ data: ApiKeySummary[] }> {
  requireRole(p, 'admin', 'funder');
  if (p.role === 'funder' && q.funderId !== undefined && q.funderId !== p.funderId)
    // another funder's keys: for this caller, there are none (never a 403 that confirms the funder)
    return { data: [] };
  const funderId = p.role === 'funder' ? p.funderId : (q.funderId ?? null);
  if (p.role === 'funder' && !funderId)
    throw invalid([
      fieldError('funderId', { en: 'this key names no funder', fr: 'cette clé ne nomme aucun bailleur' }),
    ]);
  const keys = await deps.keys.list({ funderId, role: p.role === 'funder' ? 'funder' : null }, API_KEY_LIST_MAX);
  return {
    data: keys.map((k) => ({
      id: k.id,
      role: k.role as ApiKeySummary['role'],
      label: k.label,
      funderId: k.funderId,
      funderIds: k.funderIds,
      granteeId: k.granteeId,
      createdAt: k.createdAt.toISOString(),
      revokedAt: k.revokedAt ? k.revokedAt.toISOString() : null,
    })),
  };
}
