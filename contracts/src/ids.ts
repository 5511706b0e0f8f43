import crypto from 'node:crypto';

/**
 * A UUID derived from its parts: the same parts always give the same id, so an event (or a ledger
 * row, a digest) re-created after a crash or a redelivery collides with the first one instead of
 * making a second (outbox and inboxes dedupe by id, tables by primary key).
 *
 * SHA-256 of the parts joined by ':', laid out as an RFC 4122 version-5 UUID. Reminder ids are
 * stored and travel in `reminder.due.v1`, so this layout must never change: a different id for the
 * same obligation × stage would be a second reminder. `sqlEventId` computes the same value inside
 * PostgreSQL for set-based inserts. Only the last part may contain ':' (`eventId('a:b', 'c')` equals
 * `eventId('a', 'b:c')`): give fixed-shape parts (ids, keys) first.
 */
export function eventId(...parts: string[]): string {
  const h = crypto.createHash('sha256').update(parts.join(':'), 'utf8').digest('hex');
  const variant = '89ab'[parseInt(h[16]!, 16) & 3]!;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** SQL expression equal to `eventId(<a>, <b>, …)` for SQL text expressions (column names, `$1::text`). */
export function sqlEventId(...parts: string[]): string {
  if (parts.length === 0) throw new Error('sqlEventId needs at least one part');
  const h = `encode(sha256(convert_to(${parts.join(` || ':' || `)}, 'UTF8')), 'hex')`;
  return `(substr(${h}, 1, 8) || '-' || substr(${h}, 9, 4) || '-5' || substr(${h}, 14, 3) || '-'
    || substr('89ab', ((strpos('0123456789abcdef', substr(${h}, 17, 1)) - 1) & 3) + 1, 1)
    || substr(${h}, 18, 3) || '-' || substr(${h}, 21, 12))::uuid`;
}
