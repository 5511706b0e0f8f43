import crypto from 'node:crypto';

/** A UUID derived from a name (v5-style, SHA-1): the same name always gives the same event id. */
export function nameUuid(name: string): string {
  const h = crypto.createHash('sha1').update(`praxis-connector:${name}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

export const sha256 = (s: string): string => crypto.createHash('sha256').update(s).digest('hex');
