import crypto from 'node:crypto';

/** Deterministic Message-ID of a digest, from its ledger row ids (order-independent). */
export function digestMessageId(ledgerIds: string[], domain: string, salt = ''): string {
  const h = crypto
    .createHash('sha256')
    .update(salt)
    .update([...ledgerIds].sort().join(','))
    .digest('hex')
    .slice(0, 40);
  return `<reminder.${h}@${domain}>`;
}

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();
