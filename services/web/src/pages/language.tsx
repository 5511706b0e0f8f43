import { isLocale } from '@pc/service-kit';
import { COOKIES, setCookie } from '../http/cookies';
import { localPath } from '../http/pages';
import { page } from './page';

/** The language switch of the header: remembered in a cookie, and for a signed-in person across sessions. */
export const languagePage = page({
  method: 'POST',
  path: '/language',
  access: 'public',
  handle: async (ctx) => {
    const body = ctx.req.body as Record<string, unknown>;
    const locale = isLocale(body.locale) ? body.locale : 'fr';
    setCookie(ctx.res, COOKIES.locale, locale, { secure: ctx.deps.secureCookies, maxAge: 365 * 86_400 });
    if (ctx.person && ctx.req.sessionHash) {
      await ctx.deps.sessions.setLocale(ctx.req.sessionHash, locale);
      await ctx.deps.prisma.personPreference.upsert({
        where: { email: ctx.person.email },
        create: { email: ctx.person.email, locale },
        update: { locale },
      });
    }
    return { redirect: localPath(body.next) };
  },
});
