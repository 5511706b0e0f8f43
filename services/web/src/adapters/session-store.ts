import { toLocale, type Locale } from '@pc/service-kit';
import type { PrismaClient } from './prisma';
import type { Person, PersonRole } from '../domain/person';
import { hashSecret, newSecret } from '../domain/tokens';

export interface OpenSession {
  person: Person;
  locale: Locale;
  idHash: string;
}

export interface SessionLimits {
  idleMs: number;
  absoluteMs: number;
}

/** Sessions: only the hash of the cookie is stored; ending one is a row update, so a copied cookie dies too. */
export class SessionStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly limits: SessionLimits,
  ) {}

  /** Opens a session for `person`; returns the cookie value (never stored). */
  async open(person: Person, locale: Locale, now = new Date()): Promise<string> {
    const secret = newSecret();
    await this.prisma.session.create({
      data: {
        idHash: hashSecret(secret),
        email: person.email,
        role: person.role,
        funderIds: person.funderIds,
        locale,
        createdAt: now,
        lastSeenAt: now,
        expiresAt: new Date(now.getTime() + this.limits.absoluteMs),
      },
    });
    return secret;
  }

  /** The live session of a cookie, its idle clock restarted; null when unknown, ended, idle too long or expired. */
  async find(cookie: string, now = new Date()): Promise<OpenSession | null> {
    const idHash = hashSecret(cookie);
    // one statement: the checks and the touch cannot be split by a concurrent sign-out
    const rows = await this.prisma.session.updateManyAndReturn({
      where: {
        idHash,
        endedAt: null,
        expiresAt: { gt: now },
        lastSeenAt: { gt: new Date(now.getTime() - this.limits.idleMs) },
      },
      data: { lastSeenAt: now },
    });
    const s = rows[0];
    if (!s) return null;
    return {
      idHash,
      locale: toLocale(s.locale),
      person: { email: s.email, role: s.role as PersonRole, funderIds: s.funderIds },
    };
  }

  async setLocale(idHash: string, locale: Locale): Promise<void> {
    await this.prisma.session.updateMany({ where: { idHash }, data: { locale } });
  }

  /** Sign-out: the session is ended here, whatever the browser keeps. */
  async end(idHash: string, now = new Date()): Promise<void> {
    await this.prisma.session.updateMany({ where: { idHash, endedAt: null }, data: { endedAt: now } });
  }
}
