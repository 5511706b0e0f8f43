import { notFound, type Locale } from '@pc/service-kit';
import { findContact, saveContactLocale } from '../adapters/contact-store';
import { isContactOf } from '../adapters/directory-store';
import type { PrismaClient } from '../adapters/prisma';

export interface ContactPreferences {
  email: string;
  locale: string | null;
  failing: boolean;
}

/**
 * A grantee sets (or, without `locale`, reads) the language of one of its contacts' reminders. The
 * address must be a contact of one of the grantee's agreements; anything else is 404, exactly like
 * an address that does not exist (another tenant's contact included). The choice is this grantee's
 * for this contact: the same address named by another grantee (another funder's, not linked to
 * this one) keeps its own. Whether the address is failing is the mailbox's, the same for all.
 */
export async function setContactPreferences(
  prisma: PrismaClient,
  granteeId: string,
  email: string,
  locale: Locale | undefined,
): Promise<ContactPreferences> {
  if (!(await isContactOf(prisma, granteeId, email))) throw notFound('contact');
  const saved =
    locale === undefined
      ? await findContact(prisma, granteeId, email)
      : await saveContactLocale(prisma, granteeId, email, locale);
  return { email, locale: saved.locale, failing: Boolean(saved.failingAt) };
}
