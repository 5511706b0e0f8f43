import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { AppError, fieldError, principalOf } from '@pc/service-kit';
import type { EdgeStore } from '../adapters/store';

/**
 * Idempotency-Key on POST (public-api.md conventions): the first request with a key is executed
 * and its response stored; a replay with the same body gets that response again; the same key
 * with a different body is a 409. A 5xx is not stored, so the client may retry. Scoped by credential.
 * `bodyOf` gives the bytes the hash covers (raw for proxied routes, JSON for the edge's own).
 */
export function idempotency(store: EdgeStore, bodyOf: (req: Request) => Buffer) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const key = req.header('idempotency-key');
    if (req.method !== 'POST' || !key) { next(); return; }
    try {
      if (key.length > 255) throw new AppError('validation_failed', { en: 'Idempotency-Key is longer than 255 characters', fr: 'Idempotency-Key dépasse 255 caractères' }, [fieldError('headers.idempotency-key', { en: 'too long', fr: 'trop long' })]);
      const keyId = principalOf(req).keyId;
      const hash = crypto.createHash('sha256').update(`${req.method} ${req.path}\n`).update(bodyOf(req)).digest('hex');
      const existing = await store.claimIdempotency(keyId, key, hash);
      if (existing) {
        if (existing.requestHash !== hash) throw new AppError('conflict', { en: 'this Idempotency-Key was already used with a different request', fr: 'cette Idempotency-Key a déjà servi pour une autre requête' });
        if (existing.state !== 'done' || existing.status === null) throw new AppError('conflict', { en: 'a request with this Idempotency-Key is still in progress', fr: 'une requête avec cette Idempotency-Key est encore en cours' });
        res.status(existing.status).setHeader('idempotent-replayed', 'true');
        if (existing.contentType) res.setHeader('content-type', existing.contentType);
        res.end(existing.body ?? Buffer.alloc(0));
        return;
      }
      captureResponse(res, (status, body) => {
        const done = status >= 500
          ? store.releaseIdempotency(keyId, key)
          : store.completeIdempotency(keyId, key, status, String(res.getHeader('content-type') ?? '') || null, body);
        done.catch((err: unknown) => req.log.warn({ err }, 'could not record idempotency result'));
      });
      next();
    } catch (err) { next(err); }
  };
}

function captureResponse(res: Response, onDone: (status: number, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  const write = res.write.bind(res) as (...a: unknown[]) => boolean;
  const end = res.end.bind(res) as (...a: unknown[]) => Response;
  const keep = (chunk: unknown, enc?: unknown): void => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk), typeof enc === 'string' ? enc as BufferEncoding : 'utf8'));
  };
  (res as unknown as { write: (...a: unknown[]) => boolean }).write = (...a: unknown[]) => { keep(a[0], a[1]); return write(...a); };
  (res as unknown as { end: (...a: unknown[]) => Response }).end = (...a: unknown[]) => { keep(a[0], a[1]); return end(...a); };
  res.on('finish', () => onDone(res.statusCode, Buffer.concat(chunks)));
}
