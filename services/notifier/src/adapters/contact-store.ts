import type pg from 'pg';
import type { SqlTx } from '@pc/bus';
import type { Locale } from '@pc/service-kit';
import { preferenceKey } from '../domain/digest-plan';
import type { PrismaClient } from './prisma';

/*
 * Contacts: whether an address is failing (`contact`, one row per address: a mailbox that refuses
 * mail refuses it for everyone) and the language a grantee chose for one of its contacts
 * (`contact_preference`, one row per grantee and address). One of them by key goes through
 * Prisma; the lookups for a whole run or batch are plain SQL.
 */

export interface ContactRecord {
  locale: string | null;
  failingAt: Date | null;
}

/** What the grantee chose for this contact, and whether the address is failing. */
export async function findContact(prisma: PrismaClient, granteeId: string, email: string): Promise<ContactRecord> {
  const [pref, contact] = await Promise.all([
    prisma.contactPreference.findUnique({ where: { granteeId_email: { granteeId, email } } }),
    prisma.contact.findUnique({ where: { email } }),
  ]);
  return { locale: pref?.locale ?? null, failingAt: contact?.failingAt ?? null };
}

export async function saveContactLocale(
  prisma: PrismaClient,
  granteeId: string,
  email: string,
  locale: Locale,
): Promise<ContactRecord> {
  const [pref, contact] = await Promise.all([
    prisma.contactPreference.upsert({
      where: { granteeId_email: { granteeId, email } },
      create: { granteeId, email, locale },
      update: { locale },
    }),
    prisma.contact.findUnique({ where: { email } }),
  ]);
  return { locale: pref.locale, failingAt: contact?.failingAt ?? null };
}

/** The locale each of these grantees chose for these addresses, by `preferenceKey(granteeId, email)`. */
export async function chosenLocales(
  tx: SqlTx,
  pairs: Array<{ granteeId: string; email: string }>,
): Promise<Map<string, string | null>> {
  const rows = await tx.$queryRawUnsafe<{ granteeId: string; email: string; locale: string }[]>(
    `SELECT p.grantee_id AS "granteeId", p.email, p.locale FROM contact_preference p
     JOIN unnest($1::uuid[], $2::text[]) AS u(grantee_id, email) ON u.grantee_id = p.grantee_id AND u.email = p.email`,
    pairs.map((p) => p.granteeId),
    pairs.map((p) => p.email),
  );
  return new Map(rows.map((p) => [preferenceKey(p.granteeId, p.email), p.locale]));
}

/** Those of these addresses a server refused for good (5xx). */
export async function failingAddresses(pool: pg.Pool, emails: string[]): Promise<Set<string>> {
  const { rows } = await pool.query<{ email: string }>(
    'SELECT email FROM contact WHERE failing_at IS NOT NULL AND email = ANY($1::text[])',
    [emails],
  );
  return new Set(rows.map((r) => r.email));
}
