import type pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';

export { PrismaClient };
export type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];
/** What a read runs on: the client, or the transaction a write is in. */
export type Db = PrismaClient | Tx;

/** Prisma over the service's own pool (its connections live in the "obligations" schema). */
export function createPrisma(pool: pg.Pool): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg(pool, { schema: 'obligations' }) });
}

/** Runs `fn` in one interactive transaction; `timeoutMs` beyond Prisma's 5 s for a consumer's larger snapshots. */
export function transaction<T>(prisma: PrismaClient, fn: (tx: Tx) => Promise<T>, timeoutMs?: number): Promise<T> {
  return prisma.$transaction(fn, timeoutMs === undefined ? undefined : { timeout: timeoutMs });
}

/** A calendar date as a `date` column holds it (midnight UTC), and back. */
export const toDbDate = (d: string): Date => new Date(`${d}T00:00:00Z`);
export const fromDbDate = (d: Date): string => d.toISOString().slice(0, 10);
