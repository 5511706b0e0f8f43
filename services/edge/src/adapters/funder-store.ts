import { enqueue, type NewEvent } from '@pc/bus';
import type { Funder, PrismaClient } from '../generated/prisma/client';

export type { Funder };

/** Funders (the tenants). A funder and its funder.registered.v1 commit together. */
export class FunderStore {
  constructor(private readonly prisma: PrismaClient) {}

  exists(id: string): Promise<boolean> {
    return this.prisma.funder.count({ where: { id } }).then((n) => n > 0);
  }

  async create(f: Omit<Funder, 'createdAt'>, event: NewEvent<'funder.registered.v1'>): Promise<Funder> {
    return this.prisma.$transaction(async (tx) => {
      const created = await tx.funder.create({ data: f });
      await enqueue(tx, [event]);
      return created;
    });
  }
}
