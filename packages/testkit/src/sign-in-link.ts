/**
 * A sign-in link of the pages opened outside a browser, as a second device would: the link's page
 * (its CSRF cookie and field, the token), then its button's POST. For tests and benches that need
 * a signed-in person's cookie without driving Chromium.
 */
export async function openSignInLink(
  /** the public base URL the pages are served at (the edge) */
  base: string,
  /** the link as emailed: its path and query are opened on `base` */
  link: string,
): Promise<{ cookie: string; home: string | null }> {
  const u = new URL(link, base);
  const page = await fetch(`${base}${u.pathname}${u.search}`, { redirect: 'manual' });
  const csrfCookie = /pc_csrf=([^;]+)/.exec(page.headers.get('set-cookie') ?? '')?.[1];
  const html = await page.text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  const token = /name="token" value="([^"]+)"/.exec(html)?.[1];
  if (!csrfCookie || !csrf || !token) throw new Error(`no sign-in form at the link (HTTP ${page.status})`);
  const used = await fetch(`${base}/sign-in/link`, {
    method: 'POST',
    headers: { cookie: `pc_csrf=${csrfCookie}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, token }).toString(),
    redirect: 'manual',
  });
  const session = /pc_session=([^;]+)/.exec(used.headers.get('set-cookie') ?? '')?.[1];
  if (!session) throw new Error(`the link opened no session (HTTP ${used.status})`);
  return { cookie: `pc_session=${session}; pc_csrf=${csrfCookie}`, home: used.headers.get('location') };
}
