import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { openApiPath } from '@pc/contracts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '@pc/testkit';
import { edgeAlone } from './edge-alone';

// The reference at /docs: a page that loads only what the edge serves itself, under a policy that
// allows only the edge; then (where Debian's chromium is installed, as the test command does) a real
// browser renders it under that policy.
const edge = edgeAlone();

/** Every URL the HTML names in an attribute (src, href, spec-url…). */
function referencedUrls(html: string): string[] {
  return [...html.matchAll(/\s(?:src|href|spec-url|action)="([^"]*)"/g)].map((m) => m[1]!);
}

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...values]) => [name!, values]),
  );
}

describe('GET /docs', () => {
  it('answers 200 HTML, French first, with no authentication', async () => {
    const res = await fetch(`${edge.base}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html; charset=utf-8/);
    const html = await res.text();
    expect(html).toMatch(/<html lang="fr">/);
    expect(html).toMatch(/<title>Praxis conformité — référence de l’API publique<\/title>/);
    expect(html).toMatch(/<redoc spec-url="\/docs\/openapi\.yaml"/);
  });

  it('names no external URL: everything it references is a path on the edge', async () => {
    const html = await (await fetch(`${edge.base}/docs`)).text();
    expect(html).not.toMatch(/https?:|\/\/[a-z0-9]/i);
    const urls = referencedUrls(html).filter((u) => u.startsWith('/'));
    expect(urls.length).toBeGreaterThanOrEqual(3);
    for (const u of urls) expect(u).toMatch(/^\/docs\//);
  });

  it('serves every script and stylesheet it references, with their types', async () => {
    const html = await (await fetch(`${edge.base}/docs`)).text();
    const scripts = [...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1]!);
    const styles = [...html.matchAll(/<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts).toEqual(['/docs/redoc.standalone.js']);
    expect(styles).toEqual(['/docs/docs.css']);
    // no inline script: the policy would refuse it, so the page must not need one
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    for (const s of scripts) {
      const res = await fetch(edge.base + s);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      const body = await res.text();
      expect(body.length).toBeGreaterThan(1_000_000);
      expect(body).toMatch(/RedocStandalone/);
    }
    for (const s of styles) {
      const res = await fetch(edge.base + s);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/css/);
      expect(await res.text()).toMatch(/header\.pc-docs/);
    }
  });

  it('allows only the edge itself, styles also by a nonce new for every page', async () => {
    const one = await fetch(`${edge.base}/docs`);
    const two = await fetch(`${edge.base}/docs`);
    const csp = one.headers.get('content-security-policy') ?? '';
    const d = directives(csp);
    expect(d.get('default-src')).toEqual(["'none'"]);
    expect(d.get('script-src')).toEqual(["'self'"]);
    expect(d.get('connect-src')).toEqual(["'self'"]);
    expect(d.get('frame-ancestors')).toEqual(["'none'"]);
    const style = d.get('style-src') ?? [];
    expect(style[0]).toBe("'self'");
    expect(style).toHaveLength(2);
    const nonce = /^'nonce-([A-Za-z0-9+/=]{24})'$/.exec(style[1] ?? '')?.[1];
    expect(nonce).toBeDefined();
    // the meta styled-components reads carries the same nonce
    expect(await one.text()).toContain(`<meta property="csp-nonce" content="${nonce}">`);
    expect(two.headers.get('content-security-policy')).not.toContain(`'nonce-${nonce}'`);
    expect(one.headers.get('cache-control')).toBe('no-store');
    for (const values of d.values())
      for (const v of values) expect(v).toMatch(/^('self'|'none'|'nonce-[A-Za-z0-9+/=]+'|data:)$/);
    expect(csp).not.toMatch(/unsafe|\*|https?:/);
  });
});

describe('GET /docs/openapi.yaml', () => {
  it('is the contract the edge validates against, byte for byte', async () => {
    const res = await fetch(`${edge.base}/docs/openapi.yaml`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/yaml/);
    const text = await res.text();
    expect(text).toBe(fs.readFileSync(openApiPath, 'utf8'));
    expect((parse(text) as { openapi: string }).openapi).toMatch(/^3\./);
  });
});

const inBrowser = fs.existsSync(CHROMIUM_PATH) ? it : it.skip;

/** Chromium headless on the page: its DOM once rendered and what its console said. */
async function renderInChromium(url: string): Promise<{ dom: string; console: string }> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'pc-docs-chromium-'));
  // its own process group: whatever chromium starts is ended with it, whatever happens
  const child = spawn(
    CHROMIUM_PATH,
    [
      ...CHROMIUM_ARGS,
      `--user-data-dir=${profile}`,
      '--enable-logging=stderr',
      '--v=0',
      '--virtual-time-budget=15000',
      '--dump-dom',
      url,
    ],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let dom = '';
  let log = '';
  child.stdout.on('data', (c: Buffer) => (dom += c.toString()));
  child.stderr.on('data', (c: Buffer) => (log += c.toString()));
  const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 50_000);
  try {
    await new Promise<void>((resolve) => child.once('exit', () => resolve()));
  } finally {
    clearTimeout(timer);
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* the group is gone already */
    }
    fs.rmSync(profile, { recursive: true, force: true });
  }
  return { dom, console: log };
}

inBrowser(
  'renders in Chromium under its own policy: each tag page lists its operations, no style or script refused',
  async () => {
    const doc = parse(fs.readFileSync(openApiPath, 'utf8')) as {
      tags: Array<{ name: string }>;
      paths: Record<string, Record<string, { summary?: string; tags?: string[] }>>;
    };
    const operations = Object.values(doc.paths).flatMap((item) => Object.values(item));
    expect(operations.length).toBeGreaterThan(20);
    const escaped = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    for (const { name } of doc.tags) {
      // the renderer routes by fragment (#/admin): one page per tag, listing its operations
      const { dom, console: log } = await renderInChromium(`${edge.base}/docs#/${name}`);
      const summaries = operations.filter((op) => op.tags?.includes(name)).map((op) => op.summary ?? '');
      expect(summaries.length).toBeGreaterThan(0);
      expect({ tag: name, missing: summaries.filter((s) => !dom.includes(escaped(s))) }).toEqual({
        tag: name,
        missing: [],
      });
      // the one thing the policy refuses is the renderer's own remote logo (an image, not ours)
      const refused = log.split('\n').filter((l) => /Content Security Policy/.test(l));
      expect(refused.filter((l) => !/Loading the image 'https:\/\/cdn\.redoc\.ly\//.test(l))).toEqual([]);
      expect(log).not.toMatch(/Uncaught/);
    }
  },
  180_000,
);
