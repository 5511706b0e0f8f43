import crypto from 'node:crypto';
import type { PrismaClient } from './prisma';
import { hashSecret, newSecret } from '../domain/tokens';

/** Personal calendar URLs: the secret is in the URL (calendar apps send no header); only its hash is kept. */
export class CalendarStore {
  constructor(private readonly prisma: PrismaClient) {}

  /** Revokes the contact's address, if any, and makes a new one; returns its secret (shown once). */
  async regenerate(email: string, now = new Date()): Promise<string> {
    const secret = newSecret();
    await this.prisma.$transaction([
      this.prisma.calendarSubscription.updateMany({ where: { email, revokedAt: null }, data: { revokedAt: now } }),
      this.prisma.calendarSubscription.create({
        data: { id: crypto.randomUUID(), email, secretHash: hashSecret(secret), createdAt: now },
      }),
    ]);
    return secret;
  }

  async revoke(email: string, now = new Date()): Promise<void> {
    await this.prisma.calendarSubscription.updateMany({ where: { email, revokedAt: null }, data: { revokedAt: now } });
  }

  async hasActive(email: string): Promise<boolean> {
    return (await this.prisma.calendarSubscription.count({ where: { email, revokedAt: null } })) > 0;
  }

  /** The contact whose live address this secret is; null when unknown or revoked. */
  async ownerOf(secret: string): Promise<string | null> {
    const s = await this.prisma.calendarSubscription.findFirst({
      where: { secretHash: hashSecret(secret), revokedAt: null },
    });
    return s?.email ?? null;
  }
}
