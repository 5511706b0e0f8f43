import { notFound, requireRole, type Principal } from '@pc/service-kit';
import type { ApiKeyStore } from '../adapters/api-key-store';

/**
 * Revokes an API key at once: the next request with it is refused. An admin revokes any; a funder
 * only its own funder keys (any other key is, for it, unknown: 404, as an unknown id).
 */
export async function revokeApiKey(
  deps: { keys: ApiKeyStore; kick: () => void },
  p: Principal,
  id: string,
): Promise<void> {
  requireRole(p, 'admin', 'funder');
  const ownedBy = p.role === 'funder' ? p.funderId : null;
  const revoked = await deps.keys.revoke(
    id,
    (k) => ({
      type: 'api_key.revoked.v1',
      subject: k.id,
      data: { keyId: k.id, funderId: k.funderId, funderIds: k.funderIds, actor: { kind: 'api_key', id: p.keyId } },
    }),
    ownedBy,
  );
  if (!revoked) throw notFound('API key', 'clé d’API');
  deps.kick();
}
