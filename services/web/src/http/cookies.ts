import type { Request, Response } from 'express';

/** The cookies of a request (no dependency: the header's grammar is three rules). */
export function readCookies(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i < 1) continue;
    const name = part.slice(0, i).trim();
    try {
      out[name] = decodeURIComponent(part.slice(i + 1).trim());
    } catch {
      // a value we did not write: ignored, like an absent cookie
    }
  }
  return out;
}

export interface CookieOptions {
  /** seconds; absent = a browser-session cookie; 0 deletes it */
  maxAge?: number;
  /** readable by the page's script (only the language choice is) */
  httpOnly?: boolean;
  secure: boolean;
}

/** HttpOnly and SameSite=Lax by default: a cross-site POST carries none of them. */
export function setCookie(res: Response, name: string, value: string, o: CookieOptions): void {
  res.cookie(name, value, {
    httpOnly: o.httpOnly ?? true,
    sameSite: 'lax',
    secure: o.secure,
    path: '/',
    ...(o.maxAge !== undefined ? { maxAge: o.maxAge * 1000 } : {}),
  });
}

export const COOKIES = { session: 'pc_session', csrf: 'pc_csrf', locale: 'pc_lang' } as const;
