import type { NotePages, PageOutcome } from '../domain/page';
import { canonicalNoteUrl, noteIdOf } from '../domain/host-policy';
import { readNotePage } from './html';
import type { PraxisHttp } from './praxis-http';

const LOGIN_PATH =
  /(^|\/)(login|log-in|signin|sign-in|connexion|se-connecter|auth|authentification|session|compte|account)s?(\/|$|\?)/i;
const MAX_HOPS = 5;

/**
 * Page adapter: fetches a note page without credentials and says whether it is public, with its
 * content. Redirects are followed by hand, each hop through the host policy; a redirect to a sign-in
 * page means "login required" and is decided from the Location alone (never fetched).
 */
export class PageAdapter implements NotePages {
  constructor(
    private readonly http: PraxisHttp,
    private readonly maxBytes: number,
  ) {}

  async fetchNote(raw: string): Promise<PageOutcome> {
    const first = this.http.policy.check(raw);
    if (!first.allowed) return { kind: 'refused', reason: first.reason, host: first.host };
    const noteId = noteIdOf(first.url);
    if (!noteId) return { kind: 'invalid', reason: 'not_a_note', httpStatus: null, message: 'not a /n/<id>/ URL' };
    let current = first.url.toString();
    let from: URL | undefined;
    for (let hop = 0; hop <= MAX_HOPS; hop++) {
      const r = await this.http.get(current, {
        maxBytes: this.maxBytes,
        accept: 'text/html,application/xhtml+xml',
        ...(from ? { from } : {}),
      });
      if (r.kind === 'refused')
        return { kind: 'refused', reason: hop === 0 ? (r.reason as never) : 'redirect_other_host', host: r.host };
      if (r.kind === 'unavailable')
        return { kind: 'unavailable', reason: r.reason, httpStatus: null, message: r.message };
      if (r.kind === 'too_large')
        return { kind: 'invalid', reason: 'too_large', httpStatus: null, message: `larger than ${r.limit} bytes` };
      const s = r.status;
      if (s >= 300 && s < 400 && s !== 304) {
        const location = r.headers.location;
        if (!location)
          return { kind: 'invalid', reason: 'unexpected_status', httpStatus: s, message: 'redirect without Location' };
        let target: URL;
        try {
          target = new URL(location, r.url);
        } catch {
          return { kind: 'invalid', reason: 'unexpected_status', httpStatus: s, message: 'bad Location' };
        }
        if (LOGIN_PATH.test(target.pathname)) return { kind: 'not_public', reason: 'login_required', httpStatus: s };
        const next = this.http.policy.check(target.toString());
        if (!next.allowed) return { kind: 'refused', reason: 'redirect_other_host', host: next.host };
        from = r.url;
        current = next.url.toString();
        continue;
      }
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
    return {
      kind: 'invalid',
      reason: 'too_many_redirects',
      httpStatus: null,
      message: `more than ${MAX_HOPS} redirects`,
    };
  }
}
