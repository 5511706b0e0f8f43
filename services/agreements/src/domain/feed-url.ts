/**
 * Which feed URLs a programme may register (pure). The connector fetches them as they are stored,
 * so a URL that is not on the Praxis host must be refused here, where the funder can still fix
 * it, and not discovered at sync time. The rule is the host rule of the connector, applied to the
 * text the funder sent: http(s) only, on the configured Praxis origin (same scheme, host and
 * port), no user name or password, no IP literal other than a configured one, and no path that a
 * client could read as another authority (`//host/…`) or that holds a backslash (which URL parsers
 * turn into a slash).
 */

export type FeedUrlReason =
  'not_a_url' | 'scheme' | 'scheme_mismatch' | 'userinfo' | 'ip_literal' | 'host' | 'port' | 'path';

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };
const effectivePort = (u: URL): string => u.port || DEFAULT_PORTS[u.protocol] || '';
/** IPv4 as the URL parser writes it (it already turned `2130706433` and `0x7f.1` into dotted form) or bracketed IPv6. */
const isIpLiteral = (host: string): boolean => /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.startsWith('[');

/** Why `raw` may not be a feed of a programme when Praxis is `praxisBase`, or null when it may. */
export function feedUrlProblem(raw: string, praxisBase: URL): FeedUrlReason | null {
  if (raw.includes('\\')) return 'path';
  if (/\s/.test(raw)) return 'not_a_url';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'not_a_url';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'scheme';
  // The authority as written (the parser would drop an empty `@`): anything with an @ is userinfo.
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(raw)?.[1] ?? '';
  if (url.username || url.password || authority.includes('@')) return 'userinfo';
  if (url.hostname !== praxisBase.hostname) return isIpLiteral(url.hostname) ? 'ip_literal' : 'host';
  if (url.protocol !== praxisBase.protocol) return 'scheme_mismatch';
  if (effectivePort(url) !== effectivePort(praxisBase)) return 'port';
  if (url.pathname.startsWith('//')) return 'path';
  return null;
}
