import crypto from 'node:crypto';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { machineDate } from '../domain/dates';
import { htmlText } from './html';
import type { PraxisHttp } from './praxis-http';

/** One feed item, reduced to what discovery needs. */
export interface FeedItem {
  /** guid / Atom id, else the link: identifies the item across polls */
  key: string;
  link: string | null;
  title: string;
  /** pubDate / published as a calendar date; null for items without dates */
  publishedOn: string | null;
  /** the item's own text (full content, else its summary), markup removed */
  text: string;
  /**
   * whether `text` can be trusted to hold the whole note: full content (`content:encoded`, Atom
   * `content`), or a summary that does not look cut. When false, only the page can tell whether
   * the note mentions a reference.
   */
  textComplete: boolean;
  /** changes whenever the item's visible content or dates change */
  fingerprint: string;
}

export type FeedPoll =
  | { kind: 'not_modified' }
  | {
      kind: 'items';
      items: FeedItem[];
      duplicates: number;
      truncated: number;
      etag: string | null;
      lastModified: string | null;
      /** the next (older) page of a paged feed (RFC 5005 rel="next"), if any */
      next: string | null;
    }
  | { kind: 'refused'; reason: string; host: string | null }
  /** Praxis's robots.txt forbids us this feed: not fetched */
  | { kind: 'disallowed' }
  | { kind: 'unavailable'; reason: string; message: string }
  | { kind: 'malformed'; message: string };

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  textNodeName: '#text',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  htmlEntities: true,
  isArray: (name) => name === 'item' || name === 'entry' || name === 'link',
});

type Node = Record<string, unknown>;
const text = (v: unknown): string => {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  if (Array.isArray(v)) return text(v[0]);
  if (typeof v === 'object') return text((v as Node)['#text']);
  return '';
};

/** All the text under a node, e.g. an Atom `content type="xhtml"` parsed into elements. */
const deepText = (v: unknown): string => {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  if (Array.isArray(v)) return v.map(deepText).join('\n');
  if (typeof v === 'object')
    return Object.entries(v as Node)
      .filter(([k]) => !k.startsWith('@_'))
      .map(([, x]) => deepText(x))
      .join('\n');
  return '';
};

/** Full content of an item: RSS `content:encoded`, Atom `content` (inline; `src` points elsewhere). */
function fullContent(it: Node): string {
  const encoded = text(it['content:encoded']);
  if (encoded) return htmlText(encoded);
  const c = it.content;
  if (c === undefined || c === null) return '';
  if (typeof c === 'object' && !Array.isArray(c) && text((c as Node)['@_src'])) return '';
  const type = typeof c === 'object' && !Array.isArray(c) ? text((c as Node)['@_type']) : '';
  return htmlText(type === 'xhtml' ? deepText(c) : text(c));
}

/** A summary cut by its publisher says so at its end ("…", "[...]", "Lire la suite"). */
const MARKED_CUT = /(\u2026|\.\.\.|lire la suite|la suite|read more|continue reading|en savoir plus)[\s\]»>)›]*$/i;
/**
 * Summaries cut at a fixed length without a mark: when at least CUT_ITEMS summaries of one feed
 * page reach (within CUT_MARGIN) the longest one, the feed cuts there and a summary that long may
 * be cut too. Shorter summaries are whole notes.
 */
const CUT_ITEMS = 3;
const CUT_MARGIN = 0.05;

function atomLink(links: unknown): string | null {
  const list = Array.isArray(links) ? links : links ? [links] : [];
  let fallback: string | null = null;
  for (const l of list) {
    if (typeof l === 'string') {
      fallback ??= l;
      continue;
    }
    const n = l as Node;
    const href = text(n['@_href']) || text(n);
    if (!href) continue;
    const rel = text(n['@_rel']) || 'alternate';
    if (rel === 'alternate') return href;
    fallback ??= href;
  }
  return fallback;
}

/** Parses RSS 2.0, RSS 1.0 (RDF) or Atom. Throws on malformed XML. */
export function parseFeed(
  xml: string,
  maxItems: number,
): { items: FeedItem[]; duplicates: number; truncated: number; next: string | null } {
  // Entity declarations are how XML bombs expand; no real feed needs them.
  if (/<!ENTITY/i.test(xml)) throw new Error('feed declares XML entities (refused)');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`malformed XML at line ${valid.err.line}: ${valid.err.msg}`);
  const doc = parser.parse(xml) as Node;
  let raw: Node[];
  let atom = false;
  let next: string | null = null;
  const nextOf = (links: unknown): string | null => {
    for (const l of Array.isArray(links) ? links : links ? [links] : []) {
      if (l && typeof l === 'object' && text((l as Node)['@_rel']) === 'next')
        return text((l as Node)['@_href']) || null;
    }
    return null;
  };
  if (doc.rss) {
    const channel = (doc.rss as Node).channel as Node | undefined;
    raw = (channel?.item as Node[]) ?? [];
    next = nextOf(channel?.['atom:link']);
  } else if (doc.feed) {
    raw = ((doc.feed as Node).entry as Node[]) ?? [];
    atom = true;
    next = nextOf((doc.feed as Node).link);
  } else if (doc['rdf:RDF']) raw = ((doc['rdf:RDF'] as Node).item as Node[]) ?? [];
  else throw new Error('not an RSS or Atom feed');
  const truncated = Math.max(0, raw.length - maxItems);
  const seen = new Set<string>();
  const items: FeedItem[] = [];
  const summaryOnly: FeedItem[] = [];
  let duplicates = 0;
  for (const it of raw.slice(0, maxItems)) {
    const link = atom ? atomLink(it.link) : text(it.link) || null;
    const guid = text(it.guid) || text(it.id) || text(it['@_rdf:about']);
    const key = guid || link;
    if (!key) continue;
    if (seen.has(key)) {
      duplicates++;
      continue;
    }
    seen.add(key);
    const title = text(it.title);
    const pub = text(it.pubDate) || text(it.published) || text(it['dc:date']) || text(it.issued);
    const updated = text(it['atom:updated']) || text(it.updated) || text(it['dc:modified']);
    const full = fullContent(it);
    const summary = full ? '' : htmlText(text(it.description) || text(it.summary));
    const body = full || summary;
    const fingerprint = crypto
      .createHash('sha1')
      .update(`${link}\u0000${title}\u0000${pub}\u0000${updated}\u0000${body}`)
      .digest('base64url')
      .slice(0, 16);
    const item: FeedItem = {
      key,
      link,
      title,
      publishedOn: machineDate(pub),
      text: body,
      textComplete: full.length > 0 || (summary.length > 0 && !MARKED_CUT.test(summary)),
      fingerprint,
    };
    items.push(item);
    if (!full && item.textComplete) summaryOnly.push(item);
  }
  const longest = summaryOnly.reduce((m, i) => Math.max(m, i.text.length), 0);
  const atCeiling = summaryOnly.filter((i) => i.text.length >= longest * (1 - CUT_MARGIN));
  if (atCeiling.length >= CUT_ITEMS) for (const i of atCeiling) i.textComplete = false;
  return { items, duplicates, truncated, next };
}

/** Feed adapter: conditional GET (ETag / Last-Modified) then parse. */
export class FeedAdapter {
  constructor(
    private readonly http: PraxisHttp,
    private readonly maxBytes: number,
    private readonly maxItems: number,
  ) {}

  async poll(url: string, etag: string | null, lastModified: string | null): Promise<FeedPoll> {
    const headers: Record<string, string> = {};
    if (etag) headers['if-none-match'] = etag;
    if (lastModified) headers['if-modified-since'] = lastModified;
    const r = await this.http.get(url, {
      maxBytes: this.maxBytes,
      accept: 'application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8',
      headers,
      redirects: 5,
      priority: 'background',
    });
    switch (r.kind) {
      case 'refused':
        return { kind: 'refused', reason: r.reason, host: r.host };
      case 'disallowed':
        return { kind: 'disallowed' };
      case 'unavailable':
        return { kind: 'unavailable', reason: r.reason, message: r.message };
      case 'too_large':
        return { kind: 'malformed', message: `feed larger than ${r.limit} bytes` };
      case 'stopped':
      case 'too_many_redirects':
        return { kind: 'malformed', message: 'feed redirects too many times' };
      case 'response':
        break;
    }
    if (r.status === 304) return { kind: 'not_modified' };
    if (r.status >= 500 || r.status === 429 || r.status === 408)
      return { kind: 'unavailable', reason: 'server_error', message: `HTTP ${r.status}` };
    if (r.status !== 200) return { kind: 'malformed', message: `HTTP ${r.status}` };
    try {
      const parsed = parseFeed(r.body.toString('utf8'), this.maxItems);
      return {
        kind: 'items',
        ...parsed,
        etag: typeof r.headers.etag === 'string' ? r.headers.etag : null,
        lastModified: typeof r.headers['last-modified'] === 'string' ? r.headers['last-modified'] : null,
      };
    } catch (err) {
      return { kind: 'malformed', message: (err as Error).message };
    }
  }
}
