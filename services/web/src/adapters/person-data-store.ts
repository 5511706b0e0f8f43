import { queryParts, type PersonDataPort, type PersonQuery, type SqlTx } from '@pc/bus';
import { CONTACT_LINK_TTL_DAYS } from '@pc/service-kit';
import type { PrismaClient } from './prisma';

/**
 * The web schema's rows about one address (stored lower-cased), for an export. The hashes of the
 * secrets (sign-in link token, session cookie, calendar URL) are left out: they are not about the
 * person, and a copy of them in an export file is one more thing to guard.
 */
const EXPORTS: PersonQuery[] = [
  {
    kind: 'member',
    description: 'Member of the pages invited by an admin or a funder: role, the funders read, when added or removed',
    sql: `SELECT id, email, role, funder_ids AS "funderIds", invited_by AS "invitedBy", created_at AS "createdAt",
                 removed_at AS "removedAt"
            FROM member WHERE email = $1`,
  },
  {
    kind: 'sign_in_link',
    description: 'Sign-in link emailed to the address (single use, 15 minutes): when asked, until when, when used',
    sql: `SELECT email, created_at AS "createdAt", expires_at AS "expiresAt", used_at AS "usedAt"
            FROM sign_in_link WHERE email = $1 ORDER BY created_at`,
  },
  {
    kind: 'session',
    description: 'Signed-in session: role, funders read, language, opened, last seen, expiry, ended',
    sql: `SELECT email, role, funder_ids AS "funderIds", locale, created_at AS "createdAt", last_seen_at AS "lastSeenAt",
                 expires_at AS "expiresAt", ended_at AS "endedAt"
            FROM session WHERE email = $1 ORDER BY created_at`,
  },
  {
    kind: 'calendar_subscription',
    description: 'Personal calendar address of a grantee contact: when made, when revoked',
    sql: `SELECT id, email, created_at AS "createdAt", revoked_at AS "revokedAt"
            FROM calendar_subscription WHERE email = $1 ORDER BY created_at`,
  },
  {
    kind: 'person_preference',
    description: 'Language chosen on the pages, remembered across sessions',
    sql: `SELECT email, locale, updated_at AS "updatedAt" FROM person_preference WHERE email = $1`,
  },
];

/**
 * Law 25 in the web schema. An erasure deletes every row naming the address: sign-in links (an
 * unused one stops working), sessions (deleting the row ends it: its cookie finds nothing), calendar
 * subscriptions (the URL becomes a 404), the language choice, and the member row itself.
 *
 * The member row is deleted rather than pseudonymised: it is only an access grant, which nothing
 * else refers to (sessions, links and principals name no member id; what a member did is recorded
 * by the services under `person:<role>`), so a pseudonymised row would keep a funder's list of past
 * access with no one to use it. Without the row, the address is no longer known to sign-in: no link
 * is sent to it and no link opens a member session (`personOf` finds no membership). An admin may
 * invite the person again later: that is a new row.
 *
 * A reminder's contact link needs no table (HMAC, 14 days), so one emailed before the erasure would
 * still open a session: the erasure leaves the keyed pseudonym and its time in `erased_person`, and
 * such links are refused (`erasedAt`). Rows older than a link can live are pruned here.
 */
export const webPersonData: PersonDataPort<SqlTx> = {
  async exportOf(tx, email, pseudonym) {
    const parts = await queryParts(tx, EXPORTS, email);
    parts.push({
      kind: 'erasure',
      description:
        'An earlier erasure of the address, known by its keyed pseudonym: reminder links emailed before it are refused (kept 14 days)',
      rows: await tx.$queryRawUnsafe<Array<Record<string, unknown>>>(
        `SELECT pseudonym, erased_at AS "erasedAt" FROM erased_person WHERE pseudonym = $1`,
        pseudonym,
      ),
    });
    return parts;
  },

  async erase(tx, email, pseudonym) {
    const signInLinks = await tx.$executeRawUnsafe(`DELETE FROM sign_in_link WHERE email = $1`, email);
    const sessions = await tx.$executeRawUnsafe(`DELETE FROM session WHERE email = $1`, email);
    const calendarSubscriptions = await tx.$executeRawUnsafe(
      `DELETE FROM calendar_subscription WHERE email = $1`,
      email,
    );
    const preferences = await tx.$executeRawUnsafe(`DELETE FROM person_preference WHERE email = $1`, email);
    const members = await tx.$executeRawUnsafe(`DELETE FROM member WHERE email = $1`, email);
    await tx.$executeRawUnsafe(
      `INSERT INTO erased_person (pseudonym, erased_at) VALUES ($1, now())
       ON CONFLICT (pseudonym) DO UPDATE SET erased_at = EXCLUDED.erased_at`,
      pseudonym,
    );
    await tx.$executeRawUnsafe(
      `DELETE FROM erased_person WHERE erased_at < now() - make_interval(days => $1::int)`,
      CONTACT_LINK_TTL_DAYS,
    );
    // The web schema holds no person's name: only addresses.
    return { counts: { members, signInLinks, sessions, calendarSubscriptions, preferences }, names: [] };
  },
};

/** When the address was last erased (Law 25), by its keyed pseudonym; null when it never was (or long ago). */
export class ErasureStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly pseudonymOf: (email: string) => string,
  ) {}

  async erasedAt(email: string): Promise<Date | null> {
    const row = await this.prisma.erasedPerson.findUnique({ where: { pseudonym: this.pseudonymOf(email) } });
    return row?.erasedAt ?? null;
  }
}
