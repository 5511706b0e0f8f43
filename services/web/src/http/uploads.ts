import type { NextFunction, Request, Response } from 'express';
import multer from 'multer';
import { AppError } from '@pc/service-kit';
import type { Page } from '../pages/page';

/**
 * multipart/form-data for the pages that declare an `upload` (the CSV import), parsed before the
 * CSRF check so that the form's hidden field is read from the same body. One file, in memory, at
 * most `maxBytes`; the other fields are small. Any other page never parses multipart.
 */
export function uploads(pages: readonly Page[]) {
  const parsers = pages
    .filter((p) => p.method === 'POST' && p.upload)
    .map((p) => ({
      path: p.path,
      parse: multer({
        storage: multer.memoryStorage(),
        limits: { files: 1, fileSize: p.upload!.maxBytes, fields: 10, fieldSize: 4096, parts: 12 },
      }).single(p.upload!.field),
    }));
  return (req: Request, res: Response, next: NextFunction): void => {
    const found =
      req.method === 'POST' && req.is('multipart/form-data') ? parsers.find((p) => p.path === req.path) : null;
    if (!found) {
      next();
      return;
    }
    found.parse(req, res, (err?: unknown) => {
      if (err instanceof multer.MulterError)
        next(
          err.code === 'LIMIT_FILE_SIZE'
            ? new AppError('payload_too_large', { fr: 'Le fichier est trop volumineux.', en: 'The file is too large.' })
            : new AppError('validation_failed', { fr: 'Formulaire d’envoi invalide.', en: 'Invalid upload form.' }),
        );
      else next(err);
    });
  };
}
