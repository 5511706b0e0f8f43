import { axeViolations, launchBrowser, screenshots, scrollsHorizontally, type Browser } from '@pc/testkit';
import { startSystem, type System, type SystemOptions } from './system';

/** What the browser tests of the pages share. */

/**
 * The whole system and a Chromium for the file's tests: started before them, given to `use`,
 * stopped after (the browser first).
 */
export function withBrowserSystem(use: (sys: System, browser: Browser) => void, opts: SystemOptions = {}): void {
  let sys: System | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    sys = await startSystem(opts);
    browser = await launchBrowser();
    use(sys, browser);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await sys?.stop();
  });
}

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

/** Asks for a sign-in link from the sign-in page outside the browser (the answer is the same for anyone). */
export async function requestLinkElsewhere(sys: System, email: string): Promise<void> {
  const page = await fetch(`${sys.base}/sign-in`);
  const csrfCookie = /pc_csrf=([^;]+)/.exec(page.headers.get('set-cookie') ?? '')?.[1];
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
  if (!csrfCookie || !csrf) throw new Error(`no sign-in form (HTTP ${page.status})`);
  const asked = await fetch(`${sys.base}/sign-in`, {
    method: 'POST',
    headers: { cookie: `pc_csrf=${csrfCookie}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, email }).toString(),
    redirect: 'manual',
  });
  if (asked.status !== 303) throw new Error(`the sign-in request answered HTTP ${asked.status}`);
}
