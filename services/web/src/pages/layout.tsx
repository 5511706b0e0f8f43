import type { ComponentChildren } from 'preact';
import { CSRF_FIELD } from '../http/csrf';
import type { PageContext } from './page';
import { common } from './texts';

/** The hidden field every POST form of the pages carries (checked by `csrfProtection`). */
export function CsrfField({ ctx }: { ctx: Pick<PageContext, 'csrf'> }) {
  return <input type="hidden" name={CSRF_FIELD} value={ctx.csrf} />;
}

/** Links of the header, by role (the funder and auditor areas add theirs here). */
function navLinks(ctx: PageContext): Array<{ href: string; label: string }> {
  const t = common[ctx.locale];
  switch (ctx.person?.role) {
    case 'grantee_contact':
      return [{ href: '/grantee', label: t.myObligations }];
    case 'funder_officer':
      return [{ href: '/funder', label: t.dashboard }];
    case 'auditor':
      return [{ href: '/auditor', label: t.dashboard }];
    default:
      return [];
  }
}

/**
 * The one layout: skip link, header (site name, navigation, language switch, sign-out), the main
 * landmark, footer. The language switch and sign-out are plain forms: they work without JavaScript.
 */
export function Layout({ ctx, title, children }: { ctx: PageContext; title: string; children: ComponentChildren }) {
  const t = common[ctx.locale];
  const other = ctx.locale === 'fr' ? 'en' : 'fr';
  const links = navLinks(ctx);
  return (
    <html lang={ctx.locale}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · ${t.site}`}</title>
        <link rel="stylesheet" href="/assets/style.css" />
        <script src="/assets/app.js" defer />
      </head>
      <body>
        <a class="skip" href="#main">
          {t.skip}
        </a>
        <header class="site">
          <a class="brand" href="/">
            {t.site}
          </a>
          {links.length > 0 && (
            <nav aria-label={t.nav}>
              <ul>
                {links.map((l) => (
                  <li key={l.href}>
                    <a href={l.href} aria-current={ctx.path === l.href ? 'page' : undefined}>
                      {l.label}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
          )}
          <div class="tools">
            <form method="post" action="/language" class="inline">
              <CsrfField ctx={ctx} />
              <input type="hidden" name="locale" value={other} />
              <input type="hidden" name="next" value={ctx.returnTo} />
              <button type="submit" lang={other}>
                {t.switchTo}
              </button>
            </form>
            {ctx.person ? (
              <form method="post" action="/sign-out" class="inline">
                <CsrfField ctx={ctx} />
                <span class="who">{t.signedInAs(ctx.person.email)}</span>
                <button type="submit">{t.signOut}</button>
              </form>
            ) : (
              <a href="/sign-in">{t.signIn}</a>
            )}
          </div>
        </header>
        <main id="main" tabIndex={-1}>
          <h1>{title}</h1>
          {children}
        </main>
        <footer class="site">
          <p>{t.footer}</p>
          <p>{t.footerLanguage}</p>
        </footer>
      </body>
    </html>
  );
}
