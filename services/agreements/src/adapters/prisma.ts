import type pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';

export { PrismaClient };
/** A Prisma interactive transaction; the client itself is one too for the stores' reads. */
export type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];
/** Runs `fn` in one transaction (Prisma's default timeout unless given): the use cases' only handle on it. */
export type Transact = <T>(fn: (tx: Tx) => Promise<T>, timeoutMs?: number) => Promise<T>;

/** Prisma over the service's own pool (its connections live in the "agreements" schema). */
export function createPrisma(pool: pg.Pool): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg(pool, { schema: 'agreements' }) });
}

export function transactor(prisma: PrismaClient): Transact {
  return (fn, timeoutMs) => prisma.$transaction(fn, timeoutMs === undefined ? undefined : { timeout: timeoutMs });
}

/** Where a list page starts: the (createdAt, id) of the previous page's last item. */
export interface PageRequest {
  limit: number;
  after: { createdAt: Date; id: string } | null;
}

/** Keyset condition "after this item" in (createdAt, id) order, the order every list is read in. */
export const afterCursor = (after: PageRequest['after']) =>
  after ? { OR: [{ createdAt: { gt: after.createdAt } }, { createdAt: after.createdAt, id: { gt: after.id } }] } : {};
