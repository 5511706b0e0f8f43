import {
  ChainVerifier,
  entryHash,
  isTrailer,
  type AuditEntry,
  type ChainBreak,
  type ExportTrailer,
  type HeadCheck,
  type PublishedHead,
} from '../domain/audit-chain';

export type ExportVerdict =
  | {
      kind: 'checked';
      intact: boolean;
      events: number;
      firstBrokenAt?: ChainBreak;
      trailer: ExportTrailer | null;
      /** a time-window export: each entry's own hash and the links between consecutive ones only */
      partial: boolean;
      heads: HeadCheck[];
    }
  /** the file is not an export: a line that is not JSON, or a trailer that is not the last line */
  | { kind: 'unreadable'; line: number; reason: 'not_json' | 'not_an_entry' | 'trailer_not_last' };

/**
 * Verifies an NDJSON export with no database, by the same rule the service applies: the chain from
 * the genesis value, then its trailer (the head read with the entries), then heads published
 * earlier. A copy cut short has no trailer, or one whose head the last entry does not reach.
 */
export async function verifyExport(
  lines: AsyncIterable<string> | Iterable<string>,
  published: readonly PublishedHead[] = [],
): Promise<ExportVerdict> {
  const entries: AuditEntry[] = [];
  let trailer: ExportTrailer | null = null;
  let n = 0;
  for await (const raw of lines) {
    n += 1;
    if (raw.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return { kind: 'unreadable', line: n, reason: 'not_json' };
    }
    if (trailer) return { kind: 'unreadable', line: n - 1, reason: 'trailer_not_last' };
    if (isTrailer(parsed)) trailer = parsed;
    else if (isEntry(parsed)) entries.push(parsed);
    else return { kind: 'unreadable', line: n, reason: 'not_an_entry' };
  }
  if (trailer?.window) return partialCheck(entries, trailer);
  const v = new ChainVerifier(published);
  for (const e of entries) v.feed(e);
  v.finish(trailer?.head ?? null);
  if (!trailer && !v.broken) v.broken = { seq: v.last.seq + 1, eventId: null, problem: 'no_trailer' };
  return {
    kind: 'checked',
    intact: v.broken === null,
    events: v.count,
    ...(v.broken ? { firstBrokenAt: v.broken } : {}),
    trailer,
    partial: false,
    heads: v.heads,
  };
}

/** A window is not a whole chain: what can be proven is each entry's hash and consecutive links. */
function partialCheck(entries: AuditEntry[], trailer: ExportTrailer): ExportVerdict {
  let broken: ChainBreak | undefined;
  entries.forEach((e, i) => {
    if (broken) return;
    const before = entries[i - 1];
    if (before && before.seq + 1 === e.seq && e.prevHash !== before.hash)
      broken = { seq: e.seq, eventId: e.eventId, problem: 'prev_hash_mismatch' };
    else if (entryHash(e, e.prevHash) !== e.hash) broken = { seq: e.seq, eventId: e.eventId, problem: 'hash_mismatch' };
  });
  return {
    kind: 'checked',
    intact: !broken,
    events: entries.length,
    ...(broken ? { firstBrokenAt: broken } : {}),
    trailer,
    partial: true,
    heads: [],
  };
}

function isEntry(v: unknown): v is AuditEntry {
  const e = v as Partial<AuditEntry> | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.seq === 'number' &&
    typeof e.hash === 'string' &&
    typeof e.prevHash === 'string' &&
    typeof e.actor === 'object' &&
    e.actor !== null
  );
}
