import { axeViolations, screenshots, scrollsHorizontally, type Browser } from '@pc/testkit';
import type { System } from './system';

/** What the browser tests of the pages share. */

/** An emailed link, on this test's edge (the services write the default public URL). */
export function linkOnEdge(sys: System, link: string): string {
  const u = new URL(link);
  return `${sys.base}${u.pathname}${u.search}`;
}

/**
 * The page as it stands passes axe-core, does not scroll sideways at 390 px, and is saved as
 * screenshots (1280 and 390 px) named `name`.
 */
export async function expectAccessible(browser: Browser, name: string): Promise<void> {
  const { page } = browser;
  expect(await axeViolations(page)).toEqual([]);
  await page.setViewportSize({ width: 390, height: 844 });
  expect(await scrollsHorizontally(page)).toBe(false);
  await page.setViewportSize({ width: 1280, height: 900 });
  await screenshots(page, name);
}

/** Opens the sign-in link as a browser would (its page, then the form it holds); the session cookie back. */
export async function signInByFetch(sys: System, linkPath: string): Promise<string> {
  const form = await fetch(`${sys.base}${linkPath}`);
  const csrfCookie = /pc_csrf=([^;]+)/.exec(form.headers.get('set-cookie') ?? '')![1]!;
  const html = await form.text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
  const token = /name="token" value="([^"]+)"/.exec(html)![1]!;
  const opened = await fetch(`${sys.base}/sign-in/link`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `pc_csrf=${csrfCookie}` },
    body: new URLSearchParams({ _csrf: csrf, token }).toString(),
    redirect: 'manual',
  });
  expect(opened.status).toBe(303);
  const session = /(pc_session=[^;]+)/.exec(opened.headers.get('set-cookie') ?? '')![1]!;
  return `${session}; pc_csrf=${csrfCookie}`;
}
