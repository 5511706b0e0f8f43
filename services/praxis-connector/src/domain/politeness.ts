/**
 * What reading Praxis politely means, as pure rules: Praxis is a small non-profit's site, and the
 * connector must never be the reason it slows down. The HTTP client (adapters/praxis-http.ts)
 * applies them to every request it sends.
 */

/** The product token robots.txt groups are matched against (RFC 9309), the first word of the User-Agent. */
export const PRODUCT_TOKEN = 'praxis-compliance';

/** `praxis-compliance/<version> (+<contact URL>)`: names the system, its version and who to write to. */
export function userAgent(version: string, contactUrl: string): string {
  return `${PRODUCT_TOKEN}/${version} (+${contactUrl})`;
}

/**
 * Milliseconds between two requests to the host at `maxRps`. A little more than 1/maxRps: requests
 * are spaced when they leave, and their arrival at the server jitters by the time they take to get
 * there (a busy event loop, the network), so spacing at exactly 1/maxRps would let the server count
 * maxRps + 1 in some one-second window. The slack keeps "at most maxRps in any second" true as the
 * server measures it, up to that much jitter.
 */
export const ARRIVAL_SLACK_MS = 150;
export function requestInterval(maxRps: number): number {
  return (1000 + ARRIVAL_SLACK_MS) / maxRps;
}

/**
 * Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP date. Milliseconds to wait from `nowMs`,
 * or null when the header is absent or unreadable.
 */
export function retryAfterMs(value: string | string[] | undefined, nowMs: number): number | null {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!v) return null;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - nowMs);
}

/** Whether an answer asks the client to slow down (the whole host pauses): 429, or 503 with Retry-After. */
export function asksToPause(status: number, retryAfter: number | null): boolean {
  return status === 429 || (status === 503 && retryAfter !== null);
}

/** The pause a 429 without Retry-After gets: long enough to matter to a small server. */
export const DEFAULT_PAUSE_MS = 30_000;

// ---------------------------------------------------------------------------------------------
// robots.txt (RFC 9309)

interface Rule {
  allow: boolean;
  /** the normalised pattern; its length decides which rule wins */
  pattern: string;
  regex: RegExp;
}

/** The rules of the group that applies to us, answering for a path and query. */
export interface RobotsRules {
  allows(pathAndQuery: string): boolean;
  /** how many rules apply to us (0 = everything allowed) */
  readonly size: number;
}

export const ALLOW_ALL: RobotsRules = { allows: () => true, size: 0 };
/** What an unreachable robots.txt (5xx, timeout) means until it can be read: nothing may be fetched. */
export const DISALLOW_ALL: RobotsRules = { allows: (p) => p === '/robots.txt', size: 1 };

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/** Percent-encoding made comparable: unreserved characters decoded, the rest upper-case hex, non-ASCII encoded. */
function normalisePath(p: string): string {
  let out = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '%' && /^[0-9A-Fa-f]{2}$/.test(p.slice(i + 1, i + 3))) {
      const ch = String.fromCharCode(parseInt(p.slice(i + 1, i + 3), 16));
      out += UNRESERVED.test(ch) ? ch : `%${p.slice(i + 1, i + 3).toUpperCase()}`;
      i += 2;
    } else if (c.charCodeAt(0) > 0x7e || c.charCodeAt(0) < 0x21) {
      const cp = p.codePointAt(i)!;
      const s = String.fromCodePoint(cp);
      out += [...new TextEncoder().encode(s)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
      i += s.length - 1;
    } else out += c;
  }
  return out;
}

function compile(pattern: string): RegExp {
  const anchored = pattern.endsWith('$');
  const body = (anchored ? pattern.slice(0, -1) : pattern)
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}${anchored ? '$' : ''}`);
}

/**
 * Parses robots.txt and keeps the rules for `token`: the groups naming it (case-insensitive, several
 * are merged), else the `*` groups. The longest matching pattern wins, Allow on a tie; no matching
 * rule allows; /robots.txt itself is always allowed.
 */
export function parseRobots(text: string, token: string = PRODUCT_TOKEN): RobotsRules {
  const want = token.toLowerCase();
  const groups: Array<{ agents: string[]; rules: Rule[]; ruled: boolean }> = [];
  let group: { agents: string[]; rules: Rule[]; ruled: boolean } | null = null;
  for (const line of text.split(/\r\n|\r|\n/)) {
    const m = /^\s*([A-Za-z-]+)\s*:\s*(.*?)\s*$/.exec(line.replace(/#.*$/, ''));
    if (!m) continue;
    const key = m[1]!.toLowerCase();
    const value = m[2]!;
    if (key === 'user-agent') {
      // consecutive user-agent lines share one group; one after rules starts the next
      if (!group || group.ruled) groups.push((group = { agents: [], rules: [], ruled: false }));
      group.agents.push(value.split(/[/\s]/)[0]!.toLowerCase());
      continue;
    }
    if (key !== 'allow' && key !== 'disallow') continue;
    if (group) group.ruled = true;
    if (!group || value === '') continue; // a rule outside a group, or an empty Disallow (= allow all)
    const pattern = normalisePath(value.startsWith('/') || value.startsWith('*') ? value : `/${value}`);
    group.rules.push({ allow: key === 'allow', pattern, regex: compile(pattern) });
  }
  const named = groups.filter((g) => g.agents.includes(want));
  const rules = (named.length > 0 ? named : groups.filter((g) => g.agents.includes('*'))).flatMap((g) => g.rules);
  if (rules.length === 0) return ALLOW_ALL;
  return {
    size: rules.length,
    allows(pathAndQuery: string): boolean {
      if (pathAndQuery === '/robots.txt') return true;
      const p = normalisePath(pathAndQuery);
      let best: Rule | null = null;
      for (const r of rules) {
        if (!r.regex.test(p)) continue;
        if (!best || r.pattern.length > best.pattern.length || (r.pattern.length === best.pattern.length && r.allow))
          best = r;
      }
      return best ? best.allow : true;
    },
  };
}
