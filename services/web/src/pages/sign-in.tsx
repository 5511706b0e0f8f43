import { AppError, catalog, type FieldError } from '@pc/service-kit';
import { COOKIES, setCookie } from '../http/cookies';
import { personOf, requestSignInLink } from '../use-cases/sign-in';
import { CsrfField } from './layout';
import { page, type PageContext } from './page';
import { homeOf } from './home';

const texts = catalog({
  fr: {
    title: 'Connexion',
    intro:
      'Saisissez votre adresse courriel : nous vous envoyons un lien de connexion valable 15 minutes. Aucun mot de passe.',
    email: 'Adresse courriel',
    send: 'Recevoir un lien',
    sent: 'Si cette adresse est connue, un lien de connexion vient d’y être envoyé. Il est valable 15 minutes.',
    signedOut: 'Vous êtes déconnecté.',
    linkTitle: 'Ouvrir la session',
    linkIntro: 'Ce lien ne sert qu’une fois. Continuez pour ouvrir votre session.',
    continue: 'Continuer',
    linkGone: 'Ce lien de connexion a expiré ou a déjà servi. Demandez-en un nouveau.',
    askAgain: 'Demander un nouveau lien',
  },
  en: {
    title: 'Sign in',
    intro: 'Enter your email address: we send you a sign-in link valid for 15 minutes. No password.',
    email: 'Email address',
    send: 'Send me a link',
    sent: 'If this address is known, a sign-in link has just been sent to it. It is valid for 15 minutes.',
    signedOut: 'You are signed out.',
    linkTitle: 'Open your session',
    linkIntro: 'This link works once. Continue to open your session.',
    continue: 'Continue',
    linkGone: 'This sign-in link has expired or was already used. Ask for a new one.',
    askAgain: 'Ask for a new link',
  },
});

function SignInForm({ ctx, errors, value }: { ctx: PageContext; errors?: FieldError[]; value?: string }) {
  const t = texts[ctx.locale];
  const error = errors?.find((e) => e.path === 'email');
  return (
    <form method="post" action="/sign-in" novalidate>
      <CsrfField ctx={ctx} />
      <p>
        <label for="email">{t.email}</label>
        <input
          id="email"
          name="email"
          type="email"
          autocomplete="email"
          required
          value={value ?? ''}
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={error ? 'email-error' : undefined}
        />
        {error && (
          <span id="email-error" class="error">
            {ctx.locale === 'fr' && error.fr ? error.fr : error.message}
          </span>
        )}
      </p>
      <button type="submit">{t.send}</button>
    </form>
  );
}

export const signInPage = page({
  method: 'GET',
  path: '/sign-in',
  access: 'public',
  handle: (ctx) => {
    const t = texts[ctx.locale];
    const notice = ctx.req.query.sent === '1' ? t.sent : ctx.req.query['signed-out'] === '1' ? t.signedOut : null;
    return {
      title: t.title,
      body: (
        <>
          {notice && (
            <p class="notice" role="status">
              {notice}
            </p>
          )}
          <p>{t.intro}</p>
          <SignInForm ctx={ctx} />
        </>
      ),
    };
  },
});

export const requestLinkPage = page({
  method: 'POST',
  path: '/sign-in',
  access: 'public',
  handle: (ctx) => {
    const body = ctx.req.body as Record<string, unknown>;
    try {
      requestSignInLink(ctx.deps, body.email, ctx.req.ip ?? 'unknown', ctx.locale);
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'validation_failed') throw err;
      const t = texts[ctx.locale];
      return {
        status: 422,
        title: t.title,
        body: (
          <>
            <p>{t.intro}</p>
            <SignInForm ctx={ctx} errors={err.errors} value={typeof body.email === 'string' ? body.email : ''} />
          </>
        ),
      };
    }
    return { redirect: '/sign-in?sent=1' };
  },
});

/** GET shows a button rather than signing in: mail scanners that open links would otherwise use them up. */
export const linkPage = page({
  method: 'GET',
  path: '/sign-in/link',
  access: 'public',
  handle: (ctx) => {
    const t = texts[ctx.locale];
    const token = typeof ctx.req.query.token === 'string' ? ctx.req.query.token : '';
    return {
      title: t.linkTitle,
      body: (
        <form method="post" action="/sign-in/link">
          <CsrfField ctx={ctx} />
          <input type="hidden" name="token" value={token} />
          <p>{t.linkIntro}</p>
          <button type="submit">{t.continue}</button>
        </form>
      ),
    };
  },
});

export const useLinkPage = page({
  method: 'POST',
  path: '/sign-in/link',
  access: 'public',
  handle: async (ctx) => {
    const t = texts[ctx.locale];
    const token = (ctx.req.body as Record<string, unknown>).token;
    const email = typeof token === 'string' && token.length <= 200 ? await ctx.deps.links.use(token) : null;
    const person = email ? await personOf(ctx.deps, email) : null;
    // a link of somebody who is no longer a member nor a contact reads as a used one: nothing told
    if (!person)
      return {
        status: 410,
        title: t.linkTitle,
        body: (
          <>
            <p role="alert">{t.linkGone}</p>
            <p>
              <a href="/sign-in">{t.askAgain}</a>
            </p>
          </>
        ),
      };
    await openSession(ctx, person);
    return { redirect: homeOf(person) };
  },
});

/** Opens a session for `person` in the language chosen before (or the one of this page), and sets its cookie. */
export async function openSession(ctx: PageContext, person: Parameters<typeof homeOf>[0] & object): Promise<void> {
  if (ctx.req.sessionHash) await ctx.deps.sessions.end(ctx.req.sessionHash);
  const pref = await ctx.deps.prisma.personPreference.findUnique({ where: { email: person.email } });
  const locale = pref?.locale === 'en' || pref?.locale === 'fr' ? pref.locale : ctx.locale;
  const cookie = await ctx.deps.sessions.open(person, locale);
  setCookie(ctx.res, COOKIES.session, cookie, {
    secure: ctx.deps.secureCookies,
    maxAge: ctx.deps.cfg.SESSION_ABSOLUTE_HOURS * 3600,
  });
  setCookie(ctx.res, COOKIES.locale, locale, { secure: ctx.deps.secureCookies, maxAge: 365 * 86_400 });
}

export const signOutPage = page({
  method: 'POST',
  path: '/sign-out',
  access: 'public',
  handle: async (ctx) => {
    if (ctx.req.sessionHash) await ctx.deps.sessions.end(ctx.req.sessionHash);
    setCookie(ctx.res, COOKIES.session, '', { secure: ctx.deps.secureCookies, maxAge: 0 });
    return { redirect: '/sign-in?signed-out=1' };
  },
});
