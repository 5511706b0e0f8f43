import crypto from 'node:crypto';

/** prevHash of the first entry of every funder's chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** Who made a change: an API key id, or the system (a service acting on its own). */
export interface AuditActor {
  kind: 'api_key' | 'system';
  id: string;
}

/** What an audit entry records; `hash` covers exactly these fields plus `prevHash`. */
export interface AuditContent {
  funderId: string;
  seq: number;
  eventId: string;
  type: string;
  subject: string | null;
  actor: AuditActor;
  /** when the change happened (ISO 8601 UTC, millisecond precision) */
  at: string;
  reason: string | null;
  before: unknown;
  after: unknown;
}

export interface AuditEntry extends AuditContent {
  prevHash: string;
  hash: string;
}

/** An entry before it is linked: its seq, prevHash and hash come from the chain's head at append. */
export type PendingAudit = Omit<AuditContent, 'seq'>;

/**
 * Canonical JSON: object keys sorted, no whitespace, `undefined` members dropped (as JSON.stringify
 * does). Two parties hashing the same content get the same bytes, whatever order keys arrived in.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return 'null';
  return JSON.stringify(value);
}

export function contentOf(e: AuditContent): AuditContent {
  return {
    funderId: e.funderId,
    seq: e.seq,
    eventId: e.eventId,
    type: e.type,
    subject: e.subject,
    actor: { kind: e.actor.kind, id: e.actor.id },
    at: e.at,
    reason: e.reason,
    before: e.before ?? null,
    after: e.after ?? null,
  };
}

/** hash = sha256(canonical JSON of the content ‖ prevHash), hex. */
export function entryHash(content: AuditContent, prevHash: string): string {
  return crypto
    .createHash('sha256')
    .update(canonicalJson(contentOf(content)))
    .update(prevHash)
    .digest('hex');
}

/** Links new content after the head (seq, hash) of a chain. */
export function link(head: { seq: number; hash: string }, content: Omit<AuditContent, 'seq'>): AuditEntry {
  const seq = head.seq + 1;
  const full: AuditContent = { ...content, seq };
  return { ...contentOf(full), prevHash: head.hash, hash: entryHash(full, head.hash) };
}

export type BreakKind =
  | 'sequence_gap'
  | 'prev_hash_mismatch'
  | 'hash_mismatch'
  | 'head_mismatch'
  /** an export whose last line is not its trailer: it was cut short */
  | 'no_trailer'
  /** a head published earlier (seq, hash) whose entry now holds another hash: the chain was rewritten */
  | 'published_head_mismatch'
  /** a head published earlier whose seq the chain no longer reaches: entries were removed since */
  | 'published_head_missing';
export interface ChainBreak {
  seq: number;
  eventId: string | null;
  problem: BreakKind;
}

/** A head as it was published out of the database (report, email): the chain must still hold it. */
export interface PublishedHead {
  seq: number;
  hash: string;
}
export interface HeadCheck extends PublishedHead {
  holds: boolean;
  /** the hash the chain holds at that seq now, when it differs (absent: the seq is gone) */
  found?: string;
}

/**
 * Verifies a chain incrementally (entries fed in seq order, page by page): the first entry whose
 * sequence, link to its predecessor or own hash does not hold is the first broken one. Heads
 * published earlier are checked against the hashes met on the way: a chain recomputed from the
 * start is consistent with itself, but not with what was published before the rewrite.
 */
export class ChainVerifier {
  private expectedSeq = 1;
  private prevHash = GENESIS_HASH;
  private readonly wanted: Map<number, string | null>;
  count = 0;
  broken: ChainBreak | null = null;
  heads: HeadCheck[] = [];

  constructor(private readonly published: readonly PublishedHead[] = []) {
    this.wanted = new Map(published.map((h) => [h.seq, null]));
  }

  feed(e: AuditEntry): void {
    this.count += 1;
    if (this.wanted.has(e.seq)) this.wanted.set(e.seq, e.hash);
    if (this.broken) return;
    if (e.seq !== this.expectedSeq)
      this.broken = { seq: this.expectedSeq, eventId: e.eventId, problem: 'sequence_gap' };
    else if (e.prevHash !== this.prevHash)
      this.broken = { seq: e.seq, eventId: e.eventId, problem: 'prev_hash_mismatch' };
    else if (entryHash(e, e.prevHash) !== e.hash)
      this.broken = { seq: e.seq, eventId: e.eventId, problem: 'hash_mismatch' };
    this.expectedSeq = e.seq + 1;
    this.prevHash = e.hash;
  }

  /** The seq and hash of the last entry fed (0 and the genesis value before any). */
  get last(): { seq: number; hash: string } {
    return { seq: this.expectedSeq - 1, hash: this.prevHash };
  }

  /**
   * The stored head must point at the last entry: it catches entries deleted from the end (the
   * first missing seq is reported) and well-forged entries added after it (the first one the head
   * does not cover is reported). Then every published head is checked; when the chain is otherwise
   * intact, the earliest one that no longer holds is the break.
   */
  finish(head: { seq: number; hash: string } | null): void {
    this.heads = this.published.map((h) => {
      const found = this.wanted.get(h.seq) ?? null;
      if (found === h.hash) return { ...h, holds: true };
      return found === null ? { ...h, holds: false } : { ...h, holds: false, found };
    });
    if (this.broken) return;
    if (head) {
      const lastSeq = this.expectedSeq - 1;
      if (head.seq !== lastSeq || head.hash !== this.prevHash) {
        const seq = lastSeq > head.seq ? head.seq + 1 : Math.min(head.seq, lastSeq + 1);
        this.broken = { seq, eventId: null, problem: 'head_mismatch' };
        return;
      }
    }
    const failed = this.heads.filter((h) => !h.holds).sort((a, b) => a.seq - b.seq)[0];
    if (failed)
      this.broken = {
        seq: failed.seq,
        eventId: null,
        problem: failed.found === undefined ? 'published_head_missing' : 'published_head_mismatch',
      };
  }
}

/**
 * The last line of an NDJSON export: the head of the chain read in the same snapshot as the
 * entries. Without it a deleted tail is invisible offline; with it the last entry must be the head.
 */
export interface ExportTrailer {
  type: typeof TRAILER_TYPE;
  funderId: string;
  head: { seq: number; hash: string };
  /** entry lines above this one */
  entries: number;
  /** when the snapshot was read */
  readAt: string;
  /** present when the export was limited to a time window: the lines are then not a whole chain */
  window?: { from?: string; to?: string };
}
export const TRAILER_TYPE = 'audit.head';

export function isTrailer(line: unknown): line is ExportTrailer {
  return typeof line === 'object' && line !== null && (line as { type?: unknown }).type === TRAILER_TYPE;
}
