import crypto from 'node:crypto';

/**
 * API keys are `pk_<id>_<secret>`: the id finds the row, only SHA-256(secret) is stored, and the
 * comparison is constant-time. The token is shown once at creation.
 */
export function newApiKeyToken(id: string): { token: string; secretHash: string } {
  const secret = crypto.randomBytes(32).toString('base64url');
  return { token: `pk_${id.replace(/-/g, '')}_${secret}`, secretHash: hashSecret(secret) };
}

export function hashSecret(secret: string): string {
  return crypto.createHash('sha256').update(secret).digest('hex');
}

export function parseApiKeyToken(token: string): { id: string; secret: string } | null {
  const m = /^pk_([0-9a-f]{32})_([A-Za-z0-9_-]{20,})$/.exec(token);
  if (!m || !m[1] || !m[2]) return null;
  const h = m[1];
  const id = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  return { id, secret: m[2] };
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/** Constant-time comparison for the bootstrap ADMIN_TOKEN. */
export function sameToken(given: string, expected: string): boolean {
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}
