import type { Note } from './corpus';

const MONTHS_FR = [
  'janvier',
  'février',
  'mars',
  'avril',
  'mai',
  'juin',
  'juillet',
  'août',
  'septembre',
  'octobre',
  'novembre',
  'décembre',
];

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** "22 février 2024", as Praxis prints dates (in Montréal). */
const MONTREAL = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'America/Montreal',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

export function frenchDate(ms: number): string {
  const [y, m, d] = MONTREAL.format(new Date(ms)).split('-').map(Number) as [number, number, number];
  return `${d === 1 ? '1er' : d} ${MONTHS_FR[m - 1]} ${y}`;
}

/** A note page as Praxis prints one: French labels, author line, dates, visibility, published-time metadata. */
export function notePage(base: string, n: Note, padBytes = 0): string {
  const url = `${base}/n/${n.id}/`;
  const published = n.publishedAt ? Date.parse(n.publishedAt) : null;
  const meta =
    n.metaDates && n.publishedAt
      ? `<meta property="article:published_time" content="${n.publishedAt}"><meta itemprop="datePublished" content="${n.publishedAt}">`
      : '';
  const paragraphs = n.body
    .split(/\n{2,}/)
    .map((p) => `<p>${esc(p)}</p>`)
    .join('');
  const carnets = n.carnets.map((c) => `<a href="${base}/carnets/${esc(c)}/">${esc(c)}</a>`).join(', ');
  return (
    `<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>${esc(n.title)} · Praxis</title>` +
    `<meta property="og:title" content="${esc(n.title)}"><meta property="og:type" content="article">${meta}` +
    `<link rel="canonical" href="${url}"><script>window.__praxis={note:"${n.id}"}</script><style>body{font-family:sans-serif}</style></head>` +
    `<body><header><nav><a href="${base}/">Praxis</a> · <a href="${base}/connexion/">Se connecter</a></nav></header>` +
    `<main><article class="note"><h1>${esc(n.title)}</h1>` +
    `<p class="integration">Intégré par ${esc(n.author)}, le ${frenchDate(published ?? n.modifiedAt)}</p>` +
    `<p class="category">Catégorie : Note générale</p><p class="community">Communauté : ${esc(n.community)}</p>` +
    `<div class="body">${paragraphs}</div>` +
    `<aside><p>Carnets : ${carnets}</p>` +
    (published !== null ? `<p class="publication">Publication ${frenchDate(published)}</p>` : '') +
    `<p class="modification">Modification ${frenchDate(n.modifiedAt)}</p>` +
    `<p class="visibility">Visibilité ${n.visibility}</p>` +
    `<p class="licence">Licence Creative Commons CC BY-SA 4.0</p></aside></article></main>` +
    (padBytes > 0 ? `<!-- ${'x'.repeat(padBytes)} -->` : '') +
    `</body></html>`
  );
}

export function loginPage(base: string): string {
  return (
    `<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Connexion · Praxis</title></head><body>` +
    `<main><h1>Connexion</h1><form method="post" action="${base}/connexion/"><label>Courriel <input name="email" type="email"></label>` +
    `<label>Mot de passe <input name="password" type="password"></label><button>Se connecter</button></form></main></body></html>`
  );
}

/** What a feed item carries of its note: full content and a summary, only a summary, or neither. */
export type FeedContent = 'full' | 'summary' | 'none';

/** One page of a carnet's feed: its notes and, when more follow, the URL of the next page. */
export interface FeedPage {
  base: string;
  carnet: string;
  notes: Note[];
  lastModified: number;
  next: string | null;
  content: FeedContent;
}

const SUMMARY_CHARS = 280;

/** The first SUMMARY_CHARS characters of the body, cut at a word and marked "…" when cut. */
export function summaryOf(body: string): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  if (flat.length <= SUMMARY_CHARS) return flat;
  const cut = flat.slice(0, SUMMARY_CHARS);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), 1))} …`;
}

/** The note body as the page prints it (paragraphs), for content:encoded and Atom content. */
function bodyHtml(n: Note): string {
  return n.body
    .split(/\n{2,}/)
    .map((p) => `<p>${esc(p)}</p>`)
    .join('');
}
const cdata = (s: string): string => `<![CDATA[${s.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;

/** The entries of a feed page, one per note, each given the note's URL. */
function entriesOf(page: FeedPage, entry: (n: Note, url: string) => string): string {
  return page.notes.map((n) => entry(n, `${page.base}/n/${n.id}/`)).join('');
}

/** RSS 2.0 feed of a carnet; each item carries atom:updated so edits are visible to pollers. */
export function carnetRss(page: FeedPage): string {
  const { base, carnet, lastModified, next, content } = page;
  const items = entriesOf(
    page,
    (n, url) =>
      `<item><title>${esc(n.title)}</title><link>${url}</link><guid isPermaLink="true">${url}</guid>` +
      (n.publishedAt ? `<pubDate>${new Date(n.publishedAt).toUTCString()}</pubDate>` : '') +
      `<atom:updated>${new Date(n.modifiedAt).toISOString()}</atom:updated>` +
      (content !== 'none' ? `<description>${esc(summaryOf(n.body))}</description>` : '') +
      (content === 'full' ? `<content:encoded>${cdata(bodyHtml(n))}</content:encoded>` : '') +
      `</item>`,
  );
  return (
    `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>` +
    `<title>Praxis — ${esc(carnet)}</title><link>${base}/carnets/${esc(carnet)}/</link><description>Notes du carnet ${esc(carnet)}</description>` +
    `<language>fr</language><lastBuildDate>${new Date(lastModified).toUTCString()}</lastBuildDate>` +
    (next ? `<atom:link rel="next" href="${esc(next)}"/>` : '') +
    `${items}</channel></rss>`
  );
}

export function carnetAtom(page: FeedPage): string {
  const { base, carnet, lastModified, next, content } = page;
  const entries = entriesOf(
    page,
    (n, url) =>
      `<entry><title>${esc(n.title)}</title><link rel="alternate" href="${url}"/><id>${url}</id>` +
      (n.publishedAt ? `<published>${n.publishedAt}</published>` : '') +
      `<updated>${new Date(n.modifiedAt).toISOString()}</updated>` +
      (content !== 'none' ? `<summary>${esc(summaryOf(n.body))}</summary>` : '') +
      (content === 'full' ? `<content type="html">${esc(bodyHtml(n))}</content>` : '') +
      `</entry>`,
  );
  return (
    `<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Praxis — ${esc(carnet)}</title>` +
    `<id>${base}/carnets/${esc(carnet)}/</id><updated>${new Date(lastModified).toISOString()}</updated>` +
    (next ? `<link rel="next" href="${esc(next)}"/>` : '') +
    `${entries}</feed>`
  );
}
