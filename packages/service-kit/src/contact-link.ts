import crypto from 'node:crypto';

/** How long the link a reminder email carries for its contact opens the grantee page. */
export const CONTACT_LINK_TTL_DAYS = 14;

/**
 * The token of the link every reminder email carries for its contact: the contact's email and an
 * expiry under an HMAC with `CONTACT_LINK_SECRET`. The notifier signs it, the web service checks it
 * and opens a session scoped to that one contact. Not single use (a reminder is read more than
 * once in 14 days); what it opens is only that contact's obligations.
 */
export function signContactLink(email: string, secret: string, nowMs = Date.now()): string {
  const body = Buffer.from(
    JSON.stringify({ e: email.trim().toLowerCase(), x: Math.floor(nowMs / 1000) + CONTACT_LINK_TTL_DAYS * 86_400 }),
  ).toString('base64url');
  return `${body}.${crypto.createHmac('sha256', `contact-link:${secret}`).update(body).digest('base64url')}`;
}

/** The contact's email of a good, unexpired token; null otherwise (whatever is wrong with it). */
export function verifyContactLink(token: string, secret: string, nowMs = Date.now()): string | null {
  return readContactLink(token, secret, nowMs)?.email ?? null;
}

/**
 * A good, unexpired token's email and when it was signed (to the second: its expiry less the TTL),
 * so a reader can refuse links signed before something it knows of (a Law 25 erasure); null otherwise.
 */
export function readContactLink(
  token: string,
  secret: string,
  nowMs = Date.now(),
): { email: string; issuedAtMs: number } | null {
  const [body, sig, extra] = token.split('.');
  if (!body || !sig || extra !== undefined) return null;
  const expected = crypto.createHmac('sha256', `contact-link:${secret}`).update(body).digest();
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return null;
  try {
    const c = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { e?: unknown; x?: unknown };
    if (typeof c.e !== 'string' || typeof c.x !== 'number' || c.x * 1000 <= nowMs) return null;
    return { email: c.e, issuedAtMs: (c.x - CONTACT_LINK_TTL_DAYS * 86_400) * 1000 };
  } catch {
    return null;
  }
}
