import type { HostRefusal } from './host-policy';

/** What the page adapter extracts from a note page (the checks need nothing else). */
export interface PageContent {
  title: string;
  /** visible text of the page (scripts, styles and markup removed), whitespace collapsed */
  text: string;
  /** publication date from metadata (article:published_time, datePublished) or the "Publication <date>" line */
  publishedOn: string | null;
  publishedSource: 'meta' | 'page_line' | null;
  /** "Visibilité public|privé" as printed on the page, when printed */
  visibility: 'public' | 'private' | null;
  /** the page is a sign-in form rather than a note */
  loginForm: boolean;
}

export type NotPublicReason = 'not_found' | 'gone' | 'login_required' | 'private';
export type UnavailableReason = 'timeout' | 'connection' | 'server_error' | 'rate_limited' | 'robots_unreachable';
export type InvalidReason = 'too_large' | 'not_html' | 'unexpected_status' | 'too_many_redirects' | 'not_a_note';

/**
 * Outcome of fetching a note page without credentials. Only `not_public` is a definite answer that
 * may withdraw evidence; `unavailable` is an outage (retry later), `invalid` a page we cannot judge,
 * `disallowed` a page Praxis's robots.txt forbids us to read (not fetched: nobody's failure).
 */
export type PageOutcome =
  | { kind: 'public'; url: string; noteId: string; httpStatus: 200; content: PageContent }
  | { kind: 'not_public'; reason: NotPublicReason; httpStatus: number | null }
  | { kind: 'refused'; reason: HostRefusal | 'redirect_other_host'; host: string | null }
  | { kind: 'unavailable'; reason: UnavailableReason; httpStatus: number | null; message: string }
  | { kind: 'invalid'; reason: InvalidReason; httpStatus: number | null; message: string }
  | { kind: 'disallowed'; url: string };

/** Port: fetches and reads a note page (adapters/page-adapter.ts over HTTP; a fake in unit tests). */
export interface NotePages {
  fetchNote(url: string): Promise<PageOutcome>;
}
