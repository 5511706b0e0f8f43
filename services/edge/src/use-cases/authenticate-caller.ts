import { AppError, type Principal } from '@pc/service-kit';
import { parseApiKeyToken, sameToken, secretMatches } from '../domain/api-key';
import type { ApiKeyStore } from '../adapters/api-key-store';

/**
 * Who a bearer token is: the bootstrap ADMIN_TOKEN, or an API key whose secret matches and that is
 * not revoked (read each time, no cache, so a revocation applies at once). The tenant comes only
 * from the credential.
 */
export async function authenticateCaller(keys: ApiKeyStore, adminToken: string, token: string): Promise<Principal> {
  if (sameToken(token, adminToken))
    return { keyId: 'bootstrap', role: 'admin', funderId: null, funderIds: [], granteeId: null };
  const parsed = parseApiKeyToken(token);
  const key = parsed ? await keys.find(parsed.id) : null;
  if (!parsed || !key || key.revokedAt || !secretMatches(parsed.secret, key.secretHash)) {
    throw new AppError('unauthenticated', {
      en: 'the token is unknown or revoked',
      fr: 'le jeton est inconnu ou révoqué',
    });
  }
  const role = key.role as Principal['role'];
  return {
    keyId: key.id,
    role,
    funderId: key.funderId,
    funderIds: role === 'funder' && key.funderId ? [key.funderId] : key.funderIds,
    granteeId: key.granteeId,
  };
}
