import crypto from 'node:crypto';

/**
 * A UUID derived from its parts (SHA-256, version nibble 5, RFC variant): the same parts always give
 * the same id, so an event emitted twice with it is one event (outbox and consumers dedupe by id).
 * `sqlDeterministicId` builds the identical value inside PostgreSQL for set-based inserts.
 */
export function deterministicId(...parts: string[]): string {
  const h = crypto.createHash('sha256').update(parts.join(':'), 'utf8').digest('hex');
  const variant = '89ab'[parseInt(h[16]!, 16) & 3]!;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The reminder of one obligation at one stage (interfaces.md: hash of obligationId + stageKey). */
export const reminderId = (obligationId: string, stageKey: string): string => deterministicId(obligationId, stageKey);

/** SQL expression equal to `deterministicId(<a>, <b>)` for two text SQL expressions. */
export function sqlDeterministicId(a: string, b: string): string {
  const h = `encode(sha256(convert_to(${a} || ':' || ${b}, 'UTF8')), 'hex')`;
  return `(substr(${h}, 1, 8) || '-' || substr(${h}, 9, 4) || '-5' || substr(${h}, 14, 3) || '-'
    || substr('89ab', ((strpos('0123456789abcdef', substr(${h}, 17, 1)) - 1) & 3) + 1, 1)
    || substr(${h}, 18, 3) || '-' || substr(${h}, 21, 12))::uuid`;
}
