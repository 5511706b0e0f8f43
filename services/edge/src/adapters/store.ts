import crypto from 'node:crypto';
import type pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { enqueue, type NewEvent } from '@pc/bus';
import { PrismaClient, type ApiKey, type Funder } from '../generated/prisma/client';

export type { ApiKey, Funder };

/** The edge's persistence: funders, API keys, idempotency records. Every write that matters emits its event in the same transaction. */
export class EdgeStore {
  readonly prisma: PrismaClient;
  constructor(private readonly pool: pg.Pool) {
    this.prisma = new PrismaClient({ adapter: new PrismaPg(pool, { schema: 'edge' }) });
  }

  findApiKey(id: string): Promise<ApiKey | null> {
    return this.prisma.apiKey.findUnique({ where: { id } });
  }
  funderExists(id: string): Promise<boolean> {
    return this.prisma.funder.count({ where: { id } }).then((n) => n > 0);
  }

  async createFunder(f: Omit<Funder, 'createdAt'>, event: NewEvent): Promise<Funder> {
    return this.prisma.$transaction(async (tx) => {
      const created = await tx.funder.create({ data: f });
      await enqueue(tx, [event]);
      return created;
    });
  }

  async createApiKey(k: Omit<ApiKey, 'createdAt' | 'revokedAt'>, event: NewEvent): Promise<ApiKey> {
    return this.prisma.$transaction(async (tx) => {
      const created = await tx.apiKey.create({ data: k });
      await enqueue(tx, [event]);
      return created;
    });
  }

  /** Revokes a key; null when it does not exist. Revoking twice is a no-op that keeps the first time. */
  async revokeApiKey(id: string, event: (k: ApiKey) => NewEvent): Promise<ApiKey | null> {
    return this.prisma.$transaction(async (tx) => {
      const key = await tx.apiKey.findUnique({ where: { id } });
      if (!key) return null;
      if (key.revokedAt) return key;
      const updated = await tx.apiKey.update({ where: { id }, data: { revokedAt: new Date() } });
      await enqueue(tx, [event(updated)]);
      return updated;
    });
  }

  // ---- Idempotency-Key records (scoped by credential) ----

  /** Claims (key id, key) for a request; returns the existing record when already claimed. */
  async claimIdempotency(keyId: string, key: string, requestHash: string): Promise<IdempotencyRecord | null> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO idempotency (key_id, key, request_hash, state) VALUES ($1, $2, $3, 'in_progress')
       ON CONFLICT (key_id, key) DO NOTHING`, [keyId, key, requestHash]);
    if (rowCount === 1) return null;
    const { rows } = await this.pool.query<IdempotencyRecord>(
      `SELECT request_hash AS "requestHash", state, status, content_type AS "contentType", body FROM idempotency WHERE key_id = $1 AND key = $2`, [keyId, key]);
    return rows[0] ?? null;
  }
  async completeIdempotency(keyId: string, key: string, status: number, contentType: string | null, body: Buffer): Promise<void> {
    await this.pool.query(
      `UPDATE idempotency SET state = 'done', status = $3, content_type = $4, body = $5 WHERE key_id = $1 AND key = $2`,
      [keyId, key, status, contentType, body]);
  }
  async releaseIdempotency(keyId: string, key: string): Promise<void> {
    await this.pool.query('DELETE FROM idempotency WHERE key_id = $1 AND key = $2', [keyId, key]);
  }
  /** Records expire after 24 h (the retry window clients are promised). */
  async expireIdempotency(): Promise<void> {
    await this.pool.query(`DELETE FROM idempotency WHERE created_at < now() - interval '24 hours'`);
  }
}

export interface IdempotencyRecord { requestHash: string; state: 'in_progress' | 'done'; status: number | null; contentType: string | null; body: Buffer | null }

export const newId = (): string => crypto.randomUUID();
