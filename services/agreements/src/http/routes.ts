import type { Express } from 'express';
import type { PrismaClient } from '../adapters/prisma';

/** Funder routes of the agreements service (programmes, agreements, CSV import). */
export function mountRoutes(_app: Express, _prisma: PrismaClient, _kick: () => void): void {
  // Built by the agreement-intake issue; the edge answers 404 for unknown routes meanwhile.
}
