import express, { type Express } from 'express';
import { decodeCsv, type Decoded } from '../adapters/csv';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      csv?: Decoded;
    }
  }
}

export const IMPORT_PATH = '/v1/agreements/import';

/**
 * The import reads the raw bytes itself (mounted before the shared text parser): only the bytes
 * tell a Windows-1252 file from a UTF-8 one, and a text parser would already have replaced the accents.
 */
export function mountCsvBody(app: Express): void {
  const raw = express.raw({ type: ['text/csv', 'text/plain', 'application/csv'], limit: '10mb' });
  app.post(IMPORT_PATH, raw, (req, _res, next) => {
    if (Buffer.isBuffer(req.body)) {
      req.rawBody = req.body; // what the caller's signed principal covers
      const charset = /charset\s*=\s*"?([^";]+)"?/i.exec(req.headers['content-type'] ?? '')?.[1];
      req.csv = decodeCsv(req.body, charset);
      // The contract validator expects a string body; the route reads req.csv.
      req.body = req.csv.ok && req.csv.text.length > 0 ? req.csv.text : '\n';
    }
    next();
  });
}
