import type { IdempotencyStore } from '../adapters/idempotency-store';
import { withholdSecrets } from '../domain/withheld-secrets';

/**
 * Keeps the response of a request that claimed an Idempotency-Key, for its replays, without its
 * secrets (an API key's token is shown once and never stored). A 5xx is not kept: the key is
 * released so the client may retry.
 */
export async function recordIdempotentResponse(
  store: IdempotencyStore,
  keyId: string,
  key: string,
  res: { status: number; contentType: string | null; body: Buffer },
): Promise<void> {
  if (res.status >= 500) await store.release(keyId, key);
  else await store.complete(keyId, key, res.status, res.contentType, withholdSecrets(res.contentType, res.body));
}
