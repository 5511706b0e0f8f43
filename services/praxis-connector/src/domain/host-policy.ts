import net from 'node:net';

/**
 * SSRF boundary (the host_allowed check): the only URLs ever fetched are on the configured Praxis
 * origin. Decided from the URL text alone, before any DNS lookup or connection. The configured host
 * is trusted even when it is an IP or resolves to loopback (the simulator); every other host is not.
 *
 * The URL that is sent is never rebuilt from text: an allowed URL is the configured origin with the
 * path and query set on it, and `owns` checks that very object again just before a socket is opened
 * (praxis-http.ts). A path starting with `//` (read as another host by any code that re-parses the
 * path) and a backslash (read as `/` by some parsers and not by others) are refused outright.
 */
export type HostRefusal = 'invalid_url' | 'scheme' | 'credentials' | 'ip_literal' | 'other_host' | 'port' | 'path';
export type HostDecision = { allowed: true; url: URL } | { allowed: false; reason: HostRefusal; host: string | null };

export class HostPolicy {
  readonly base: URL;
  private readonly host: string;
  private readonly port: string;

  constructor(baseUrl: string) {
    this.base = new URL(baseUrl);
    this.host = normHost(this.base.hostname);
    this.port = effectivePort(this.base);
  }

  get hostname(): string {
    return this.host;
  }

  /** Whether `raw` (absolute, or relative to `from`) may be fetched; the allowed URL is put on the configured origin. */
  check(raw: string, from?: URL): HostDecision {
    const text = raw.trim();
    // Control characters and spaces are silently dropped by URL parsers, and a backslash is a slash
    // to some of them: what is checked would not be what another reader fetches.
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u0020\u007f]/.test(text)) return { allowed: false, reason: 'invalid_url', host: null };
    if (text.includes('\\')) return { allowed: false, reason: 'path', host: null };
    let u: URL;
    try {
      u = from ? new URL(text, from) : new URL(text);
    } catch {
      return { allowed: false, reason: 'invalid_url', host: null };
    }
    const host = normHost(u.hostname);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return { allowed: false, reason: 'scheme', host };
    if (u.username || u.password) return { allowed: false, reason: 'credentials', host };
    if (host !== this.host) {
      return { allowed: false, reason: net.isIP(host.replace(/^\[|\]$/g, '')) ? 'ip_literal' : 'other_host', host };
    }
    // Same host name: an explicit foreign port is another service on that machine; refuse it. A URL
    // written with the other scheme's default port (http:// for an https host) is the same note.
    const explicit = u.port;
    if (explicit && explicit !== this.port) return { allowed: false, reason: 'port', host };
    if (u.pathname.startsWith('//')) return { allowed: false, reason: 'path', host };
    const out = new URL(this.base.origin);
    out.pathname = u.pathname;
    out.search = u.search;
    if (!this.owns(out)) return { allowed: false, reason: 'other_host', host: normHost(out.hostname) };
    return { allowed: true, url: out };
  }

  /** The last word before a socket is opened: `url` is exactly the configured origin, with a plain path. */
  owns(url: URL): boolean {
    return (
      url.protocol === this.base.protocol &&
      normHost(url.hostname) === this.host &&
      effectivePort(url) === this.port &&
      !url.username &&
      !url.password &&
      url.pathname.startsWith('/') &&
      !url.pathname.startsWith('//') &&
      !url.pathname.includes('\\')
    );
  }
}

function normHost(h: string): string {
  return h.toLowerCase().replace(/\.$/, '');
}
function effectivePort(u: URL): string {
  return u.port || (u.protocol === 'https:' ? '443' : '80');
}

/** `/n/<id>/` → the note id, or null when the path is not a note page. */
export function noteIdOf(url: URL): string | null {
  const m = /^\/n\/([A-Za-z0-9_-]{4,200})\/?$/.exec(url.pathname);
  return m ? m[1]! : null;
}

/** The canonical form a note is stored and reported under. */
export function canonicalNoteUrl(base: URL, noteId: string): string {
  return new URL(`/n/${noteId}/`, base).toString();
}
