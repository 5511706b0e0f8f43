import crypto from 'node:crypto';
import { AppError } from '@pc/service-kit';
import type { IdempotencyRecord, IdempotencyStore } from '../adapters/idempotency-store';

export interface IdempotentRequest {
  keyId: string;
  key: string;
  method: string;
  path: string;
  body: Buffer;
}
export type StoredResponse = IdempotencyRecord & { status: number };

/**
 * The public API's Idempotency-Key rule, per credential: the first request with a key claims it
 * (null: go on and execute it); the same method, path and body again gets the stored response back;
 * the key with another request is a 409, and so is a replay while the first is still running.
 */
export async function claimIdempotencyKey(
  store: IdempotencyStore,
  r: IdempotentRequest,
): Promise<StoredResponse | null> {
  const hash = crypto.createHash('sha256').update(`${r.method} ${r.path}\n`).update(r.body).digest('hex');
  const existing = await store.claim(r.keyId, r.key, hash);
  if (!existing) return null;
  if (existing.requestHash !== hash)
    throw new AppError('conflict', {
      en: 'this Idempotency-Key was already used with a different request',
      fr: 'cette Idempotency-Key a déjà servi pour une autre requête',
    });
  if (existing.state !== 'done' || existing.status === null)
    throw new AppError('conflict', {
      en: 'a request with this Idempotency-Key is still in progress',
      fr: 'une requête avec cette Idempotency-Key est encore en cours',
    });
  return { ...existing, status: existing.status };
}
