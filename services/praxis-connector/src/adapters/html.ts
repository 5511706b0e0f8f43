import { Parser } from 'htmlparser2';
import type { PageContent } from '../domain/page';
import { machineDate, publicationLine } from '../domain/dates';

const SKIP = new Set(['script', 'style', 'noscript', 'template', 'svg', 'head']);
const BLOCK = new Set([
  'p',
  'div',
  'br',
  'li',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'tr',
  'td',
  'th',
  'dt',
  'dd',
  'section',
  'article',
  'aside',
  'header',
  'footer',
  'main',
  'nav',
  'ul',
  'ol',
  'dl',
  'blockquote',
  'pre',
  'table',
  'form',
  'label',
  'button',
]);

/**
 * Reads a note page with a real HTML parser (htmlparser2, tolerant of broken markup as browsers are):
 * title, visible text, publication date (metadata first, then the French "Publication <date>" line),
 * the printed visibility, and whether the page is a sign-in form.
 */
export function readNotePage(html: string): PageContent {
  let skipDepth = 0;
  let inTitle = false,
    inH1 = false;
  let docTitle = '',
    h1 = '',
    ogTitle = '';
  let metaDate: string | null = null;
  let loginForm = false;
  const parts: string[] = [];
  const jsonLd: string[] = [];
  let inJsonLd = false;
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        if (name === 'meta') {
          const key = (attrs.property ?? attrs.itemprop ?? attrs.name ?? '').toLowerCase();
          const content = attrs.content ?? '';
          if (
            (key === 'article:published_time' ||
              key === 'datepublished' ||
              key === 'dc.date' ||
              key === 'dcterms.issued') &&
            !metaDate
          )
            metaDate = machineDate(content);
          if (key === 'og:title' && !ogTitle) ogTitle = content;
        }
        if (name === 'input' && (attrs.type ?? '').toLowerCase() === 'password') loginForm = true;
        if (name === 'script' && (attrs.type ?? '').toLowerCase() === 'application/ld+json') inJsonLd = true;
        if (name === 'title') inTitle = true;
        if (name === 'h1') inH1 = true;
        if (name === 'time' && attrs.datetime && attrs.itemprop?.toLowerCase() === 'datepublished' && !metaDate)
          metaDate = machineDate(attrs.datetime);
        if (SKIP.has(name)) skipDepth++;
        if (BLOCK.has(name)) parts.push('\n');
      },
      ontext(text) {
        if (inJsonLd) jsonLd.push(text);
        if (inTitle) docTitle += text;
        if (skipDepth > 0) return;
        if (inH1) h1 += text;
        parts.push(text);
      },
      onclosetag(name) {
        if (name === 'script') inJsonLd = false;
        if (name === 'title') inTitle = false;
        if (name === 'h1') inH1 = false;
        if (SKIP.has(name) && skipDepth > 0) skipDepth--;
        if (BLOCK.has(name)) parts.push('\n');
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();

  if (!metaDate) {
    for (const block of jsonLd) {
      const m = /"datePublished"\s*:\s*"([^"]+)"/.exec(block);
      if (m) {
        metaDate = machineDate(m[1]);
        if (metaDate) break;
      }
    }
  }
  const text = parts
    .join('')
    .split('\n')
    .map((l) => l.replace(/\s+/g, ' ').trim())
    .filter(Boolean)
    .join('\n');
  const lineDate = metaDate ? null : publicationLine(text);
  const vis = /Visibilit[ée]\s*:?\s*(public|publique|priv[ée]e?)/i.exec(text);
  const clean = (s: string): string => s.replace(/\s+/g, ' ').trim();
  return {
    title: clean(ogTitle) || clean(h1) || clean(docTitle).replace(/\s*[·|–-]\s*Praxis\s*$/i, ''),
    text,
    publishedOn: metaDate ?? lineDate,
    publishedSource: metaDate ? 'meta' : lineDate ? 'page_line' : null,
    visibility: vis ? (/^pub/i.test(vis[1]!) ? 'public' : 'private') : null,
    loginForm,
  };
}

/**
 * The visible text of an HTML fragment (a feed item's `content:encoded`, `description` or Atom
 * `content`), with the page reader's rules: scripts and styles dropped, blocks on their own lines.
 */
export function htmlText(html: string): string {
  if (!/[<&]/.test(html)) return html.replace(/\s+/g, ' ').trim();
  let skipDepth = 0;
  const parts: string[] = [];
  const parser = new Parser(
    {
      onopentag(name) {
        if (SKIP.has(name)) skipDepth++;
        if (BLOCK.has(name)) parts.push('\n');
      },
      ontext(text) {
        if (skipDepth === 0) parts.push(text);
      },
      onclosetag(name) {
        if (SKIP.has(name) && skipDepth > 0) skipDepth--;
        if (BLOCK.has(name)) parts.push('\n');
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.write(html);
  parser.end();
  return parts
    .join('')
    .split('\n')
    .map((l) => l.replace(/\s+/g, ' ').trim())
    .filter(Boolean)
    .join('\n');
}
