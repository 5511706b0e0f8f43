import type { Request, Response } from 'express';
import type { VNode } from 'preact';
import type { Locale } from '@pc/service-kit';
import type { Person, PersonRole } from '../domain/person';
import type { PersonFetch } from '../adapters/services';
import type { WebDeps } from '../deps';

/**
 * Who may open a page: anyone, any signed-in person, or the roles listed. A page that is not public
 * sends a signed-out visitor to the sign-in page (GET) or answers 401 (POST); a wrong role is a 403.
 */
export type Access = 'public' | 'signed-in' | readonly PersonRole[];

/** What a page handler is given. */
export interface PageContext {
  req: Request;
  res: Response;
  person: Person | null;
  locale: Locale;
  /** the value of the hidden CSRF field of this page's forms (`<CsrfField ctx={ctx} />`) */
  csrf: string;
  /** calls to the other services as this person, in this language (null when nobody is signed in) */
  call: PersonFetch | null;
  /** the request path (navigation marks the current page with it) */
  path: string;
  /** where the language switch comes back to: this page for a GET, the person's home after a POST */
  returnTo: string;
  deps: WebDeps;
}

/** A page handler's answer: an HTML page (in the layout), a redirect (303 after a POST), or another body (calendar, CSV…). */
export type PageResult =
  | { title: string; body: VNode; status?: number }
  | { redirect: string }
  | { raw: string | Buffer; contentType: string; status?: number; headers?: Record<string, string> };

/** One page: one file under src/pages exports one (or a few) of these; src/pages/routes.ts lists them. */
export interface Page {
  method: 'GET' | 'POST';
  /** an Express path (`/grantee/obligations/:id`) */
  path: string;
  access: Access;
  /** a POST that receives one file (multipart/form-data): its field name and largest size (src/http/uploads.ts) */
  upload?: { field: string; maxBytes: number };
  handle(ctx: PageContext): Promise<PageResult> | PageResult;
}

/** Identity function that types a page (so a file reads `export const granteePage = page({...})`). */
export const page = (p: Page): Page => p;
