import type { NextFunction, Request, Response } from 'express';
import { AppError, fieldError, localeOf, principalOf } from '@pc/service-kit';
import { replayBody } from '../domain/withheld-secrets';
import type { IdempotencyStore } from '../adapters/idempotency-store';
import { claimIdempotencyKey } from '../use-cases/claim-idempotency-key';
import { recordIdempotentResponse } from '../use-cases/record-idempotent-response';

/**
 * Idempotency-Key on every POST (the rule is in claimIdempotencyKey): replays the stored response,
 * or lets the request through and keeps what it answered. `bodyOf` gives the bytes the request hash
 * covers (raw for proxied routes, JSON for the edge's own).
 */
export function idempotency(store: IdempotencyStore, bodyOf: (req: Request) => Buffer) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const key = req.header('idempotency-key');
    if (req.method !== 'POST' || !key) {
      next();
      return;
    }
    try {
      if (key.length > 255)
        throw new AppError(
          'validation_failed',
          { en: 'Idempotency-Key is longer than 255 characters', fr: 'Idempotency-Key dépasse 255 caractères' },
          [fieldError('headers.idempotency-key', { en: 'too long', fr: 'trop long' })],
        );
      const keyId = principalOf(req).keyId;
      const stored = await claimIdempotencyKey(store, {
        keyId,
        key,
        method: req.method,
        path: req.path,
        body: bodyOf(req),
      });
      if (stored) {
        res.status(stored.status).setHeader('idempotent-replayed', 'true');
        if (stored.contentType) res.setHeader('content-type', stored.contentType);
        res.end(replayBody(stored.contentType, stored.body ?? Buffer.alloc(0), localeOf(req)));
        return;
      }
      captureResponse(res, (status, body) => {
        recordIdempotentResponse(store, keyId, key, {
          status,
          contentType: String(res.getHeader('content-type') ?? '') || null,
          body,
        }).catch((err: unknown) => req.log.warn({ err }, 'could not record idempotency result'));
      });
      next();
    } catch (err) {
      next(err);
    }
  };
}

function captureResponse(res: Response, onDone: (status: number, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  const write = res.write.bind(res) as (...a: unknown[]) => boolean;
  const end = res.end.bind(res) as (...a: unknown[]) => Response;
  const keep = (chunk: unknown, enc?: unknown): void => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
    chunks.push(
      Buffer.isBuffer(chunk)
        ? chunk
        : Buffer.from(String(chunk), typeof enc === 'string' ? (enc as BufferEncoding) : 'utf8'),
    );
  };
  (res as unknown as { write: (...a: unknown[]) => boolean }).write = (...a: unknown[]) => {
    keep(a[0], a[1]);
    return write(...a);
  };
  (res as unknown as { end: (...a: unknown[]) => Response }).end = (...a: unknown[]) => {
    keep(a[0], a[1]);
    return end(...a);
  };
  res.on('finish', () => onDone(res.statusCode, Buffer.concat(chunks)));
}
