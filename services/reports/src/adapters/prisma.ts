import type pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';

export { PrismaClient };
export type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

/** Prisma over the service's own pool (its connections live in the "reports" schema). */
export function createPrisma(pool: pg.Pool): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg(pool, { schema: 'reports' }) });
}

/**
 * A Prisma interactive transaction for a consumer: a monthly-report job holds its transaction while it
 * builds and emails every funder's report, hence a timeout far above Prisma's 5 s default.
 */
export function prismaTransact(prisma: PrismaClient) {
  return <T>(fn: (tx: Tx) => Promise<T>): Promise<T> => prisma.$transaction(fn, { timeout: 300_000 });
}
