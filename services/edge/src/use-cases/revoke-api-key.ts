import { notFound, requireRole, type Principal } from '@pc/service-kit';
import type { ApiKeyStore } from '../adapters/api-key-store';

/** Revokes an API key at once (admin only): the next request with it is refused. Unknown key → 404. */
export async function revokeApiKey(
  deps: { keys: ApiKeyStore; kick: () => void },
  p: Principal,
  id: string,
): Promise<void> {
  requireRole(p, 'admin');
  const revoked = await deps.keys.revoke(id, (k) => ({
    type: 'api_key.revoked.v1',
    subject: k.id,
    data: { keyId: k.id, funderId: k.funderId, funderIds: k.funderIds, actor: { kind: 'api_key', id: p.keyId } },
  }));
  if (!revoked) throw notFound('API key', 'clé d’API');
  deps.kick();
}
