import crypto from 'node:crypto';

/**
 * A UUID (version-5 layout) derived from the parts: the same inputs always give the same id, so a
 * ledger row, a digest or an event re-created after a crash collides with the first one instead of
 * making a second.
 */
export function uuidFrom(...parts: string[]): string {
  const h = crypto.createHash('sha256').update(parts.join('\u001f')).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/** Deterministic Message-ID of a digest, from its ledger row ids (order-independent). */
export function digestMessageId(ledgerIds: string[], domain: string, salt = ''): string {
  const h = crypto.createHash('sha256').update(salt).update([...ledgerIds].sort().join(',')).digest('hex').slice(0, 40);
  return `<reminder.${h}@${domain}>`;
}

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();
