import crypto from 'node:crypto';
import type pg from 'pg';
import { parseEventData, type Envelope, type EventData, type EventType } from '@pc/contracts';
import { metrics, type Logger } from '@pc/service-kit';
import { EXCHANGE } from './topology';
import { withTimeout, type BusConnection } from './connection';

/** What the outbox needs of a transaction: Prisma's interactive transaction client fits, so does `pgTx`. */
export interface SqlTx {
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
}

/** A SqlTx over a pg client, which set-based handlers can also use directly. */
export type PgTx = SqlTx & { client: pg.PoolClient };

/** Runs `fn` in one pg transaction (for services and tools that use pg rather than Prisma). */
export function pgTransact(pool: pg.Pool) {
  return async <T>(fn: (tx: PgTx) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const out = await fn({ ...pgTx(client), client });
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally { client.release(); }
  };
}

/** Wraps a pg client (inside BEGIN … COMMIT) as a SqlTx. */
export function pgTx(client: pg.PoolClient | pg.Client): SqlTx {
  return {
    $executeRawUnsafe: async (q, ...v) => (await client.query(q, v)).rowCount ?? 0,
    $queryRawUnsafe: async <T>(q: string, ...v: unknown[]) => (await client.query(q, v)).rows as T,
  };
}

export interface NewEvent<T extends EventType = EventType> {
  type: T;
  data: EventData<T>;
  /** CloudEvents subject: the aggregate the event is about (agreement id, obligation id…). */
  subject?: string;
  /** Deterministic id when the event must be emitted at most once (e.g. one per obligation × stage). */
  id?: string;
}

/**
 * Writes events into the outbox inside the caller's transaction: they are published if and only
 * if the state change commits. Payloads are validated against the catalog before anything is written.
 * With deterministic ids, `ON CONFLICT DO NOTHING` makes re-emission a no-op.
 */
export async function enqueue(tx: SqlTx, events: NewEvent[], correlationId?: string): Promise<string[]> {
  if (events.length === 0) return [];
  const ids: string[] = [], types: string[] = [], subjects: (string | null)[] = [], data: string[] = [];
  for (const e of events) {
    const parsed = parseEventData(e.type, e.data);
    ids.push(e.id ?? crypto.randomUUID()); types.push(e.type); subjects.push(e.subject ?? null); data.push(JSON.stringify(parsed));
  }
  await tx.$executeRawUnsafe(
    `INSERT INTO outbox (id, type, subject, data, correlation_id)
     SELECT u.id, u.type, u.subject, u.data, $5 FROM unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[]) AS u(id, type, subject, data)
     ON CONFLICT (id) DO NOTHING`,
    ids, types, subjects, data, correlationId ?? null,
  );
  return ids;
}

interface OutboxRow { id: string; type: string; subject: string | null; data: unknown; created_at: Date; correlation_id: string | null }

export interface RelayOptions {
  batchSize?: number;
  pollMs?: number;
  confirmTimeoutMs?: number;
  /** published rows are kept this long (for an operator's inspection), then deleted */
  retentionMs?: number;
}

/**
 * Publishes committed outbox rows on a confirm channel and marks them only after the broker
 * confirmed. Replicas share the work through `FOR UPDATE SKIP LOCKED`. A crash between confirm and
 * marking republishes the batch: consumers' inboxes absorb the duplicates (messageId = outbox id).
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private again = false;
  private readonly batchSize: number;
  private readonly pollMs: number;
  private readonly confirmTimeoutMs: number;
  private readonly retentionMs: number;
  private lastPurge = 0;

  constructor(private readonly pool: pg.Pool, private readonly bus: BusConnection, private readonly source: string,
    private readonly logger: Logger, opts: RelayOptions = {}) {
    this.batchSize = opts.batchSize ?? 500;
    this.pollMs = opts.pollMs ?? 200;
    this.confirmTimeoutMs = opts.confirmTimeoutMs ?? 10_000;
    this.retentionMs = opts.retentionMs ?? 24 * 3_600_000;
  }

  start(): void {
    this.stopped = false;
    const loop = (): void => {
      if (this.stopped) return;
      this.kick();
      this.timer = setTimeout(loop, this.pollMs);
    };
    loop();
  }

  /** Publish now (called after a local commit so events do not wait for the next poll). */
  kick(): void {
    if (this.running) { this.again = true; return; }
    this.running = this.drain()
      .then(() => undefined, (err: unknown) => { this.logger.warn({ err: (err as Error).message }, 'outbox relay pass failed; will retry'); })
      .finally(() => { this.running = null; if (this.again && !this.stopped) { this.again = false; this.kick(); } });
  }

  /** Publishes until the outbox is empty. Resolves with the number of events published. */
  async drain(): Promise<number> {
    await this.purgeIfDue();
    let total = 0;
    for (;;) {
      const n = await this.publishBatch();
      total += n;
      if (n < this.batchSize) return total;
    }
  }

  private async publishBatch(): Promise<number> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<OutboxRow>(
        `SELECT id, type, subject, data, created_at, correlation_id FROM outbox
         WHERE published_at IS NULL ORDER BY created_at, id LIMIT $1 FOR UPDATE SKIP LOCKED`, [this.batchSize]);
      if (rows.length === 0) { await client.query('COMMIT'); return 0; }
      const ch = await this.bus.publisherChannel();
      for (const row of rows) {
        const envelope: Envelope = {
          specversion: '1.0', id: row.id, source: this.source, type: row.type as EventType,
          time: row.created_at.toISOString(), datacontenttype: 'application/json',
          dataschema: `urn:praxis-compliance:event:${row.type}`,
          ...(row.subject ? { subject: row.subject } : {}),
          data: row.data as never,
        };
        ch.publish(EXCHANGE, row.type, Buffer.from(JSON.stringify(envelope)), {
          persistent: true, messageId: row.id, type: row.type, contentType: 'application/cloudevents+json',
          timestamp: Math.floor(row.created_at.getTime() / 1000), appId: this.source,
          ...(row.correlation_id ? { correlationId: row.correlation_id } : {}),
        });
      }
      await withTimeout(ch.waitForConfirms(), this.confirmTimeoutMs, 'broker confirm');
      await client.query('UPDATE outbox SET published_at = now() WHERE id = ANY($1::uuid[])', [rows.map((r) => r.id)]);
      await client.query('COMMIT');
      metrics.outboxPublished.inc({ service: this.source }, rows.length);
      return rows.length;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /** Deletes rows published longer ago than the retention, at most once a minute, so the outbox stays small. */
  private async purgeIfDue(): Promise<void> {
    if (Date.now() - this.lastPurge < 60_000) return;
    this.lastPurge = Date.now();
    await this.pool.query(`DELETE FROM outbox WHERE published_at < now() - make_interval(secs => $1)`, [this.retentionMs / 1000]);
  }

  /** Rows not yet confirmed (exported as a gauge; a growing number means the broker is unreachable). */
  async pending(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>('SELECT count(*) AS n FROM outbox WHERE published_at IS NULL');
    const n = Number(rows[0]?.n ?? 0);
    metrics.outboxPending.set({ service: this.source }, n);
    return n;
  }

  /** Stops polling and flushes what is committed (graceful shutdown), bounded by `timeoutMs`. */
  async stop(timeoutMs = 5000): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.running) await this.running;
    await withTimeout(this.drain(), timeoutMs, 'outbox flush').catch((err: unknown) =>
      this.logger.warn({ err: (err as Error).message }, 'outbox not fully flushed at shutdown; it will be published at next start'));
  }
}
