import type pg from 'pg';
import type { SqlTx } from '@pc/bus';
import type { Locale } from '@pc/service-kit';
import type { PrismaClient } from './prisma';

/*
 * Contacts (`contact`): the language a contact chose and whether its address is failing. One
 * contact by its address goes through Prisma; the lookups for a whole run or batch are plain SQL.
 */

export interface ContactRecord {
  locale: string | null;
  failingAt: Date | null;
}

export async function findContact(prisma: PrismaClient, email: string): Promise<ContactRecord | null> {
  return prisma.contact.findUnique({ where: { email } });
}

export async function saveContactLocale(prisma: PrismaClient, email: string, locale: Locale): Promise<ContactRecord> {
  return prisma.contact.upsert({ where: { email }, create: { email, locale }, update: { locale } });
}

/** The locale each of these addresses chose, when it chose one. */
export async function chosenLocales(tx: SqlTx, emails: string[]): Promise<Map<string, string | null>> {
  const rows = await tx.$queryRawUnsafe<{ email: string; locale: string | null }[]>(
    'SELECT email, locale FROM contact WHERE email = ANY($1::text[])',
    emails,
  );
  return new Map(rows.map((p) => [p.email, p.locale]));
}

/** Those of these addresses a server refused for good (5xx). */
export async function failingAddresses(pool: pg.Pool, emails: string[]): Promise<Set<string>> {
  const { rows } = await pool.query<{ email: string }>(
    'SELECT email FROM contact WHERE failing_at IS NOT NULL AND email = ANY($1::text[])',
    [emails],
  );
  return new Set(rows.map((r) => r.email));
}
