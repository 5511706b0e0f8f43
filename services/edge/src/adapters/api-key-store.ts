import { enqueue, type NewEvent } from '@pc/bus';
import type { ApiKey, PrismaClient } from '../generated/prisma/client';

export type { ApiKey };

/** API keys (only the SHA-256 of the secret is stored). Every change commits with its event. */
export class ApiKeyStore {
  constructor(private readonly prisma: PrismaClient) {}

  find(id: string): Promise<ApiKey | null> {
    return this.prisma.apiKey.findUnique({ where: { id } });
  }

  async create(k: Omit<ApiKey, 'createdAt' | 'revokedAt'>, event: NewEvent<'api_key.created.v1'>): Promise<ApiKey> {
    return this.prisma.$transaction(async (tx) => {
      const created = await tx.apiKey.create({ data: k });
      await enqueue(tx, [event]);
      return created;
    });
  }

  /** Keys newest first, of one funder (and one role) or all. */
  list(where: { funderId: string | null; role: string | null }, max: number): Promise<ApiKey[]> {
    return this.prisma.apiKey.findMany({
      where: { ...(where.funderId ? { funderId: where.funderId } : {}), ...(where.role ? { role: where.role } : {}) },
      orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
      take: max,
    });
  }

  /**
   * Revokes a key; null when it does not exist (or, with `ownedBy`, is not that funder's own funder
   * key). Revoking twice is a no-op that keeps the first time.
   */
  async revoke(
    id: string,
    event: (k: ApiKey) => NewEvent<'api_key.revoked.v1'>,
    ownedBy: string | null = null,
  ): Promise<ApiKey | null> {
    return this.prisma.$transaction(async (tx) => {
      const key = await tx.apiKey.findUnique({ where: { id } });
      if (!key) return null;
      if (ownedBy !== null && (key.role !== 'funder' || key.funderId !== ownedBy)) return null;
      if (key.revokedAt) return key;
      const updated = await tx.apiKey.update({ where: { id }, data: { revokedAt: new Date() } });
      await enqueue(tx, [event(updated)]);
      return updated;
    });
  }
}
