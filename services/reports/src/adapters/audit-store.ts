import type pg from 'pg';
import { pgTransact, type PgTx } from '@pc/bus';
import { GENESIS_HASH, link, type AuditActor, type AuditEntry, type PendingAudit } from '../domain/audit-chain';

/*
 * The per-funder audit chains: the append (AuditBatch, the one place where entries are linked and
 * written) and the reads of a snapshot (export, verify). Plain SQL: the append locks head rows
 * (`FOR UPDATE`) and writes a batch at once (`unnest`); the reads need one REPEATABLE READ
 * connection for all their pages.
 */

/**
 * Collects the audit entries of one transaction and appends them at its end. Each funder's head
 * row is locked (`FOR UPDATE`, in funder id order so two transactions never deadlock on heads),
 * so two consumers appending for the same funder are serialised and the chain never forks.
 */
export class AuditBatch {
  private readonly pending: PendingAudit[] = [];

  add(entry: PendingAudit): void {
    // jsonb keeps JSON values only; normalise now so the hash covers what will be read back.
    this.pending.push({ ...entry, before: normalise(entry.before), after: normalise(entry.after) });
  }

  get size(): number {
    return this.pending.length;
  }

  async flush(client: pg.ClientBase): Promise<AuditEntry[]> {
    if (this.pending.length === 0) return [];
    const funders = [...new Set(this.pending.map((p) => p.funderId))].sort();
    await client.query(
      `INSERT INTO audit_head (funder_id, seq, hash) SELECT f, 0, $2 FROM unnest($1::uuid[]) AS f ON CONFLICT (funder_id) DO NOTHING`,
      [funders, GENESIS_HASH],
    );
    const { rows } = await client.query<{ funder_id: string; seq: string; hash: string }>(
      'SELECT funder_id, seq, hash FROM audit_head WHERE funder_id = ANY($1::uuid[]) ORDER BY funder_id FOR UPDATE',
      [funders],
    );
    const heads = new Map(rows.map((r) => [r.funder_id, { seq: Number(r.seq), hash: r.hash }]));
    const entries: AuditEntry[] = [];
    for (const p of this.pending) {
      const head = heads.get(p.funderId);
      if (!head) throw new Error(`audit head missing for ${p.funderId}`);
      const e = link(head, p);
      heads.set(p.funderId, { seq: e.seq, hash: e.hash });
      entries.push(e);
    }
    await client.query(
      `INSERT INTO audit_event (funder_id, seq, event_id, type, subject, actor_kind, actor_id, occurred_at, reason, before, after, prev_hash, hash)
       SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[],
                            $9::text[], $10::jsonb[], $11::jsonb[], $12::text[], $13::text[])`,
      [
        entries.map((e) => e.funderId),
        entries.map((e) => e.seq),
        entries.map((e) => e.eventId),
        entries.map((e) => e.type),
        entries.map((e) => e.subject),
        entries.map((e) => e.actor.kind),
        entries.map((e) => e.actor.id),
        entries.map((e) => e.at),
        entries.map((e) => e.reason),
        entries.map((e) => jsonOrNull(e.before)),
        entries.map((e) => jsonOrNull(e.after)),
        entries.map((e) => e.prevHash),
        entries.map((e) => e.hash),
      ],
    );
    const last = [...heads.entries()];
    await client.query(
      `UPDATE audit_head h SET seq = u.seq, hash = u.hash, updated_at = now()
       FROM unnest($1::uuid[], $2::bigint[], $3::text[]) AS u(funder_id, seq, hash) WHERE h.funder_id = u.funder_id`,
      [last.map(([f]) => f), last.map(([, h]) => h.seq), last.map(([, h]) => h.hash)],
    );
    this.pending.length = 0;
    return entries;
  }
}

/** A transaction whose audit entries are appended, in that same transaction, just before it commits. */
export type AuditedTx = PgTx & { audit: AuditBatch };

/**
 * Runs `fn` in one pg transaction with an AuditBatch, flushed at its end: the changes of a batch of
 * events and their chain entries commit together, with one head lock per funder for the whole batch.
 */
export function auditedTransact(pool: pg.Pool) {
  const transact = pgTransact(pool);
  return <T>(fn: (tx: AuditedTx) => Promise<T>): Promise<T> =>
    transact(async (tx) => {
      const audit = new AuditBatch();
      const out = await fn({ ...tx, audit });
      await audit.flush(tx.client);
      return out;
    });
}

function normalise(v: unknown): unknown {
  return v === undefined || v === null ? null : JSON.parse(JSON.stringify(v));
}
function jsonOrNull(v: unknown): string | null {
  return v === null || v === undefined ? null : JSON.stringify(v);
}

interface AuditRow {
  funder_id: string;
  seq: string;
  event_id: string;
  type: string;
  subject: string | null;
  actor_kind: string;
  actor_id: string;
  occurred_at: Date;
  reason: string | null;
  before: unknown;
  after: unknown;
  prev_hash: string;
  hash: string;
  recorded_at: Date;
}

export interface AuditLine extends AuditEntry {
  recordedAt: string;
}

function toLine(r: AuditRow): AuditLine {
  return {
    funderId: r.funder_id,
    seq: Number(r.seq),
    eventId: r.event_id,
    type: r.type,
    subject: r.subject,
    actor: { kind: r.actor_kind as AuditActor['kind'], id: r.actor_id },
    at: r.occurred_at.toISOString(),
    reason: r.reason,
    before: r.before ?? null,
    after: r.after ?? null,
    prevHash: r.prev_hash,
    hash: r.hash,
    recordedAt: r.recorded_at.toISOString(),
  };
}

const PAGE = 2000;

/** What a use case reads of the chains, inside one snapshot. */
export interface ChainSnapshot {
  /** A funder's chain in seq order, page by page (keyset), optionally limited to a time window. */
  pages(funderId: string, window: { from?: string; to?: string }): AsyncGenerator<AuditLine[]>;
  /** The funder's head row: the seq and hash of the last entry appended (null: nothing ever appended). */
  head(funderId: string): Promise<{ seq: number; hash: string } | null>;
  /** When the snapshot was taken (the transaction's start, ISO 8601 UTC). */
  readAt(): Promise<string>;
}

/**
 * Runs `fn` in one REPEATABLE READ, read-only transaction: every statement sees the same snapshot.
 * The chain is read page by page and then checked against its head; appends committed between two
 * of those reads would otherwise look like tampering (a head ahead of the last page read), and an
 * export would not be a chain an outsider can recompute.
 */
export async function inAuditSnapshot<T>(pool: pg.Pool, fn: (chain: ChainSnapshot) => Promise<T>): Promise<T> {
  return pgTransact(pool, 'snapshot_read_only')((tx) => fn(snapshotOf(tx.client)));
}

function snapshotOf(client: pg.ClientBase): ChainSnapshot {
  return {
    async *pages(funderId, window) {
      let after = 0;
      for (;;) {
        // keyset pages on the primary key (funder_id, seq); the window, when given, filters within them
        const params: unknown[] = [funderId, after];
        let where = 'funder_id = $1 AND seq > $2';
        if (window.from) {
          params.push(window.from);
          where += ` AND occurred_at >= $${params.length}`;
        }
        if (window.to) {
          params.push(window.to);
          where += ` AND occurred_at <= $${params.length}`;
        }
        const { rows } = await client.query<AuditRow>(
          `SELECT * FROM audit_event WHERE ${where} ORDER BY seq LIMIT ${PAGE}`,
          params,
        );
        if (rows.length === 0) return;
        yield rows.map(toLine);
        after = Number(rows[rows.length - 1]!.seq);
        if (rows.length < PAGE) return;
      }
    },
    async head(funderId) {
      const { rows } = await client.query<{ seq: string; hash: string }>(
        'SELECT seq, hash FROM audit_head WHERE funder_id = $1',
        [funderId],
      );
      return rows[0] ? { seq: Number(rows[0].seq), hash: rows[0].hash } : null;
    },
    async readAt() {
      const { rows } = await client.query<{ now: Date }>('SELECT now() AS now');
      return rows[0]!.now.toISOString();
    },
  };
}

/**
 * A funder's head as it stands now, and when it was read: what a report and its email publish, so
 * that a copy of the chain's state lives outside the database it protects. A funder with nothing
 * appended yet has the genesis head (seq 0).
 */
export async function readAuditHead(
  pool: pg.Pool,
  funderId: string,
): Promise<{ seq: number; hash: string; at: string }> {
  const { rows } = await pool.query<{ seq: string | null; hash: string | null; at: Date }>(
    'SELECT h.seq, h.hash, now() AS at FROM (SELECT 1) one LEFT JOIN audit_head h ON h.funder_id = $1',
    [funderId],
  );
  const r = rows[0]!;
  return { seq: r.seq === null ? 0 : Number(r.seq), hash: r.hash ?? GENESIS_HASH, at: r.at.toISOString() };
}
