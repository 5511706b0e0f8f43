import type { PrismaClient } from '../generated/prisma/client';

export interface IdempotencyRecord {
  requestHash: string;
  state: 'in_progress' | 'done';
  status: number | null;
  contentType: string | null;
  body: Buffer | null;
}

/** Idempotency-Key records, scoped by credential (the API key id) and kept 24 h. */
export class IdempotencyStore {
  constructor(private readonly prisma: PrismaClient) {}

  /** Claims (key id, key) for a request; returns the existing record when already claimed. */
  async claim(keyId: string, key: string, requestHash: string): Promise<IdempotencyRecord | null> {
    // ON CONFLICT DO NOTHING: of two first requests racing with one key, exactly one claims it.
    const claimed = await this.prisma.$executeRawUnsafe(
      `INSERT INTO idempotency (key_id, key, request_hash, state) VALUES ($1, $2, $3, 'in_progress')
       ON CONFLICT (key_id, key) DO NOTHING`,
      keyId,
      key,
      requestHash,
    );
    if (claimed === 1) return null;
    const r = await this.prisma.idempotency.findUnique({ where: { keyId_key: { keyId, key } } });
    if (!r) return null;
    return {
      requestHash: r.requestHash,
      state: r.state as IdempotencyRecord['state'],
      status: r.status,
      contentType: r.contentType,
      body: r.body ? Buffer.from(r.body) : null,
    };
  }

  /** Keeps the response for replays (Prisma's Bytes wants a plain Uint8Array, not a Buffer). */
  async complete(keyId: string, key: string, status: number, contentType: string | null, body: Buffer): Promise<void> {
    await this.prisma.idempotency.updateMany({
      where: { keyId, key },
      data: { state: 'done', status, contentType, body: new Uint8Array(body) },
    });
  }

  async release(keyId: string, key: string): Promise<void> {
    await this.prisma.idempotency.deleteMany({ where: { keyId, key } });
  }

  /** Records expire after 24 h (the retry window clients are promised). */
  async expire(): Promise<void> {
    await this.prisma.$executeRawUnsafe(`DELETE FROM idempotency WHERE created_at < now() - interval '24 hours'`);
  }
}
