import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Express, Request, Response } from 'express';
import { openApiPath } from '@pc/contracts';

/**
 * Redoc's standalone bundle as @redocly/cli ships it (the same renderer as `redocly build-docs`):
 * a pinned dependency of the edge, so the page needs nothing from outside the machine.
 */
export const redocBundlePath = path.join(
  path.dirname(require.resolve('@redocly/cli/package.json')),
  'lib',
  'chunks',
  'redoc.standalone.js',
);

/** The files the reference page loads, each served by the edge under /docs (and nothing else). */
export const DOCS_ASSETS = {
  script: '/docs/redoc.standalone.js',
  style: '/docs/docs.css',
  spec: '/docs/openapi.yaml',
} as const;

/** The page's own look: a short bilingual heading above the rendered reference. */
const CSS = `body { margin: 0; font-family: system-ui, sans-serif; }
header.pc-docs { padding: 0.75rem 1.5rem; border-bottom: 1px solid #d0d4da; background: #f6f7f9; color: #1b1f24; }
header.pc-docs h1 { margin: 0 0 0.25rem; font-size: 1.25rem; }
header.pc-docs p { margin: 0; font-size: 0.95rem; line-height: 1.4; }
header.pc-docs a { color: #0b4f9c; }
`;

/**
 * Only the edge's own origin: scripts, the stylesheet, the contract fetched by the page. Redoc
 * writes its styles at run time (styled-components), which `style-src 'self'` alone refuses; the
 * page's one-use nonce, read by styled-components from the `csp-nonce` meta, admits those and
 * nothing injected. Fonts and icons are data: URIs inside the bundle itself.
 */
export function docsPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function page(nonce: string): string {
  // The API is written in English; the page that frames it speaks French first, like every other.
  return `<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta property="csp-nonce" content="${nonce}">
<title>Praxis conformité — référence de l’API publique</title>
<link rel="stylesheet" href="${DOCS_ASSETS.style}">
</head>
<body>
<header class="pc-docs">
<h1>Praxis conformité — référence de l’API publique</h1>
<p>Chaque opération de l’API v1, ses paramètres, ses réponses et ses erreurs (problem+json). La référence est en anglais&nbsp;; le contrat brut&nbsp;: <a href="${DOCS_ASSETS.spec}">openapi.yaml</a>.</p>
<p lang="en">Every operation of the v1 API, its parameters, responses and errors. The raw contract: <a href="${DOCS_ASSETS.spec}">openapi.yaml</a>.</p>
</header>
<main>
<redoc spec-url="${DOCS_ASSETS.spec}" disable-telemetry="true"></redoc>
</main>
<script type="module" src="${DOCS_ASSETS.script}"></script>
</body>
</html>
`;
}

/**
 * `GET /docs`: the rendered reference of contracts/openapi.yaml, from files the project ships (no
 * CDN), and the raw contract at `/docs/openapi.yaml`. No authentication: the contract is public.
 * The bundle and the contract are read once at boot; a missing bundle stops the edge from starting.
 */
export function mountDocs(app: Express): void {
  const bundle = fs.readFileSync(redocBundlePath);
  const spec = fs.readFileSync(openApiPath);
  app.get('/docs', (_req: Request, res: Response) => {
    const nonce = crypto.randomBytes(18).toString('base64');
    res
      .status(200)
      .setHeader('content-security-policy', docsPolicy(nonce))
      // the nonce is new for every answer: a cached copy would carry a stale one
      .setHeader('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(page(nonce));
  });
  app.get(DOCS_ASSETS.script, (_req: Request, res: Response) => {
    res.setHeader('cache-control', 'public, max-age=3600').type('text/javascript; charset=utf-8').send(bundle);
  });
  app.get(DOCS_ASSETS.style, (_req: Request, res: Response) => {
    res.setHeader('cache-control', 'public, max-age=3600').type('text/css; charset=utf-8').send(CSS);
  });
  app.get(DOCS_ASSETS.spec, (_req: Request, res: Response) => {
    res.setHeader('cache-control', 'no-cache').type('application/yaml; charset=utf-8').send(spec);
  });
}
