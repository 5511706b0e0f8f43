import { AppError } from '@pc/service-kit';
import { page } from '../page';
import { granteeHome } from './index';
import { granteeTexts } from './texts';

/** Creates or regenerates the contact's calendar address; the page shows it this once (only its hash is kept). */
export const regenerateCalendarPage = page({
  method: 'POST',
  path: '/grantee/calendar',
  access: ['grantee_contact'],
  handle: async (ctx) => granteeHome(ctx, { secret: await ctx.deps.calendars.regenerate(ctx.person!.email) }),
});

export const revokeCalendarPage = page({
  method: 'POST',
  path: '/grantee/calendar/revoke',
  access: ['grantee_contact'],
  handle: async (ctx) => {
    await ctx.deps.calendars.revoke(ctx.person!.email);
    return granteeHome(ctx, { notice: granteeTexts.t(ctx.locale, 'calendarRevoked') });
  },
});

const notFound = () => new AppError('not_found', { fr: 'Calendrier introuvable.', en: 'Calendar not found.' });

/**
 * The feed a calendar app fetches: no header, no cookie, the secret in the path. Unknown or revoked
 * → 404. The obligations service renders it for that contact, in the contact's language.
 */
export const calendarFeedPage = page({
  method: 'GET',
  path: '/calendar/:file',
  access: 'public',
  handle: async (ctx) => {
    const m = /^([\w-]{20,100})\.ics$/.exec(String(ctx.req.params.file));
    const email = m ? await ctx.deps.calendars.ownerOf(m[1]!) : null;
    if (!email) throw notFound();
    const pref = await ctx.deps.prisma.personPreference.findUnique({ where: { email } });
    const locale = pref?.locale === 'en' ? 'en' : 'fr';
    const res = await ctx.deps.callsFor({ email, role: 'grantee_contact', funderIds: [] }, locale)(
      'obligations',
      '/v1/me/calendar.ics',
    );
    if (!res.ok) throw new AppError('unavailable', 'calendar unavailable', undefined, { retryAfterSeconds: 30 });
    return {
      raw: await res.text(),
      contentType: 'text/calendar; charset=utf-8',
      headers: { 'content-disposition': 'inline; filename="obligations.ics"' },
    };
  },
});
