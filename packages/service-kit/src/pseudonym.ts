import crypto from 'node:crypto';

/**
 * A keyed pseudonym of a personal value (an email): HMAC-SHA256 under a secret the service holds,
 * so whoever reads it cannot get the address back by hashing guesses (a bare SHA-256 of
 * `alex@example.org` is one dictionary lookup away). The same address gives the same pseudonym
 * under the same key, so a reader can still tell one failing address from another.
 */
export function keyedPseudonym(key: string, value: string): string {
  return 'k_' + crypto.createHmac('sha256', key).update(value.trim().toLowerCase()).digest('hex').slice(0, 16);
}

/** A key for `keyedPseudonym` derived from another secret, bound to its purpose (used when none is configured). */
export function derivePseudonymKey(secret: string, purpose: string): string {
  return crypto.createHmac('sha256', secret).update(`praxis-compliance/pseudonym/${purpose}`).digest('base64url');
}

/**
 * The key every service uses for the pseudonym of an erased person (Law 25): one key for the whole
 * system, so the same person is the same pseudonym in every schema and in the audit chain.
 */
export function personPseudonymKey(cfg: { PSEUDONYM_SECRET?: string | undefined; INTERNAL_SECRET: string }): string {
  return cfg.PSEUDONYM_SECRET ?? derivePseudonymKey(cfg.INTERNAL_SECRET, 'person');
}
