/**
 * Headless Chromium for end-to-end tests of the pages: Debian's `chromium` driven by playwright-core
 * (`scripts/dev.sh test` installs it when missing), an empty profile per launch, axe-core checks in
 * the page, screenshots at desktop and phone widths into `.test-results/screenshots/` (gitignored).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** The flags of the platform notes: no sandbox (root in containers), nothing phoning home. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
export const SCREENSHOT_DIR = path.resolve(__dirname, '..', '..', '..', '.test-results', 'screenshots');

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** closes Chromium and removes its profile */
  close(): Promise<void>;
}

/** A fresh Chromium (its own empty profile directory), one page open. */
export async function launchBrowser(opts: { locale?: string } = {}): Promise<Browser> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pc-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    locale: opts.locale ?? 'fr-CA',
    viewport: { width: 1280, height: 900 },
    // axe-core is injected by the test as an inline script, which the pages' CSP (rightly) refuses
    bypassCSP: true,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/** axe-core run inside the page (WCAG 2.1 A and AA rules): the violations, each with the selectors it names. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  const source = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.addScriptTag({ content: source });
  return page.evaluate(async () => {
    const axe = (
      globalThis as unknown as { axe: { run: (ctx: unknown, o: unknown) => Promise<{ violations: unknown[] }> } }
    ).axe;
    const r = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return (
      r.violations as Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: string[] }> }>
    ).map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  });
}

/** Whether the page is wider than its viewport (a horizontal scroll bar). */
export async function scrollsHorizontally(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
}

/**
 * Screenshots of the current page at 1280 px and 390 px wide (full page), as
 * `<name>-1280.png` and `<name>-390.png`; the viewport is put back. Returns the files written.
 */
export async function screenshots(page: Page, name: string): Promise<string[]> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const before = page.viewportSize() ?? { width: 1280, height: 900 };
  const files: string[] = [];
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
    const file = path.join(SCREENSHOT_DIR, `${name}-${width}.png`);
    await page.screenshot({ path: file, fullPage: true });
    files.push(file);
  }
  await page.setViewportSize(before);
  return files;
}
