import type { NotePages, PageOutcome } from '../domain/page';
import { canonicalNoteUrl, noteIdOf } from '../domain/host-policy';
import { readNotePage } from './html';
import type { HttpPriority, PraxisHttp } from './praxis-http';

const LOGIN_PATH =
  /(^|\/)(login|log-in|signin|sign-in|connexion|se-connecter|auth|authentification|session|compte|account)s?(\/|$|\?)/i;
const MAX_HOPS = 5;
/** a person waits for a declared note's verdict: the host's queue is not worth more than this */
const INTERACTIVE_WAIT_MS = 5_000;

/**
 * Page adapter: fetches a note page without credentials and says whether it is public, with its
 * content. The HTTP client follows redirects, each hop through the host rule and robots.txt; a
 * redirect to a sign-in page means "login required" and is decided from the Location alone (never
 * fetched). A page robots.txt forbids us is `disallowed`: nobody's fault, nothing to judge.
 */
export class PageAdapter implements NotePages {
  constructor(
    private readonly http: PraxisHttp,
    private readonly maxBytes: number,
    private readonly priority: HttpPriority = 'background',
  ) {}

  async fetchNote(raw: string): Promise<PageOutcome> {
    const first = this.http.policy.check(raw);
    if (!first.allowed) return { kind: 'refused', reason: first.reason, host: first.host };
    const noteId = noteIdOf(first.url);
    if (!noteId) return { kind: 'invalid', reason: 'not_a_note', httpStatus: null, message: 'not a /n/<id>/ URL' };
    const r = await this.http.get(first.url.toString(), {
      maxBytes: this.maxBytes,
      accept: 'text/html,application/xhtml+xml',
      redirects: MAX_HOPS,
      stopAt: (target) => LOGIN_PATH.test(target.pathname),
      priority: this.priority,
      ...(this.priority === 'interactive' ? { maxWaitMs: INTERACTIVE_WAIT_MS } : {}),
    });
    switch (r.kind) {
      case 'refused':
        return { kind: 'refused', reason: r.hop === 0 ? r.reason : 'redirect_other_host', host: r.host };
      case 'disallowed':
        return { kind: 'disallowed', url: r.url.toString() };
      case 'stopped':
        return { kind: 'not_public', reason: 'login_required', httpStatus: r.status };
      case 'too_many_redirects':
        return {
          kind: 'invalid',
          reason: 'too_many_redirects',
          httpStatus: null,
          message: `more than ${r.limit} redirects`,
        };
      case 'unavailable':
        return { kind: 'unavailable', reason: r.reason, httpStatus: null, message: r.message };
      case 'too_large':
        return { kind: 'invalid', reason: 'too_large', httpStatus: null, message: `larger than ${r.limit} bytes` };
      case 'response':
        break;
    }
    const s = r.status;
    if (s >= 300 && s < 400 && s !== 304)
      return {
        kind: 'invalid',
        reason: 'unexpected_status',
        httpStatus: s,
        message: 'redirect without a usable Location',
      };
    if (s === 200) {
      const type = String(r.headers['content-type'] ?? 'text/html');
      if (!/html/i.test(type)) return { kind: 'invalid', reason: 'not_html', httpStatus: s, message: type };
      const content = readNotePage(r.body.toString('utf8'));
      if (content.loginForm) return { kind: 'not_public', reason: 'login_required', httpStatus: s };
      if (content.visibility === 'private') return { kind: 'not_public', reason: 'private', httpStatus: s };
      const finalId = noteIdOf(r.url) ?? noteId;
      return {
        kind: 'public',
        url: canonicalNoteUrl(this.http.policy.base, finalId),
        noteId: finalId,
        httpStatus: 200,
        content,
      };
    }
    if (s === 401) return { kind: 'not_public', reason: 'login_required', httpStatus: s };
    if (s === 403) return { kind: 'not_public', reason: 'private', httpStatus: s };
    if (s === 404) return { kind: 'not_public', reason: 'not_found', httpStatus: s };
    if (s === 410) return { kind: 'not_public', reason: 'gone', httpStatus: s };
    if (s >= 500 || s === 429 || s === 408)
      return { kind: 'unavailable', reason: 'server_error', httpStatus: s, message: `HTTP ${s}` };
    return { kind: 'invalid', reason: 'unexpected_status', httpStatus: s, message: `HTTP ${s}` };
  }
}
