import type { PrismaClient } from './prisma';
import { hashSecret, newSecret } from '../domain/tokens';

/** Sign-in links: single use, 15 minutes, only their hash stored. */
export class SignInStore {
  constructor(private readonly prisma: PrismaClient) {}

  /** A new link's token for `email` (the caller emails it; it is not kept). */
  async issue(email: string, validMs: number, now = new Date()): Promise<string> {
    const token = newSecret();
    await this.prisma.signInLink.create({
      data: { tokenHash: hashSecret(token), email, expiresAt: new Date(now.getTime() + validMs), createdAt: now },
    });
    return token;
  }

  /** Links issued to `email` since `since` (the per-address limit counts every replica's). */
  issuedSince(email: string, since: Date): Promise<number> {
    return this.prisma.signInLink.count({ where: { email, createdAt: { gte: since } } });
  }

  /**
   * Uses a link: its email if it was unused and unexpired, else null. One conditional update, so two
   * clicks racing open at most one session.
   */
  async use(token: string, now = new Date()): Promise<string | null> {
    const rows = await this.prisma.signInLink.updateManyAndReturn({
      where: { tokenHash: hashSecret(token), usedAt: null, expiresAt: { gt: now } },
      data: { usedAt: now },
    });
    return rows[0]?.email ?? null;
  }
}
