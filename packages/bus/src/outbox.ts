import crypto from 'node:crypto';
import type pg from 'pg';
import type { Options } from 'amqplib';
import { parseEventData, type EventData, type EventType } from '@pc/contracts';
import { metrics, type Logger } from '@pc/service-kit';
import { EXCHANGE } from './topology';
import { withTimeout, type BusConnection } from './connection';
import { singleFlight, type SingleFlight } from './single-flight';

/** What the outbox needs of a transaction: Prisma's interactive transaction client fits, so does `pgTx`. */
export interface SqlTx {
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
}

/** A SqlTx over a pg client, which set-based handlers can also use directly. */
export type PgTx = SqlTx & { client: pg.PoolClient };

/** How a transaction starts: the default, or one snapshot for every statement, read-only. */
export type TxMode = 'read_write' | 'snapshot_read_only';
const BEGIN: Record<TxMode, string> = {
  read_write: 'BEGIN',
  snapshot_read_only: 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
};

/** Runs `fn` in one pg transaction (for services and tools that use pg rather than Prisma). */
export function pgTransact(pool: pg.Pool, mode: TxMode = 'read_write') {
  return async <T>(fn: (tx: PgTx) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    try {
      await client.query(BEGIN[mode]);
      const out = await fn({ ...pgTx(client), client });
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  };
}

/** Wraps a pg client (inside BEGIN … COMMIT) as a SqlTx. */
export function pgTx(client: pg.PoolClient | pg.Client): SqlTx {
  return {
    $executeRawUnsafe: async (q, ...v) => (await client.query(q, v)).rowCount ?? 0,
    $queryRawUnsafe: async <T>(q: string, ...v: unknown[]) => (await client.query(q, v)).rows as T,
  };
}

/** An event to write, typed by its `type` (one member per catalog type, so `data` is checked against it). */
export type NewEvent<T extends EventType = EventType> = {
  [K in T]: {
    type: K;
    data: EventData<K>;
    /** CloudEvents subject: the aggregate the event is about (agreement id, obligation id…). */
    subject?: string;
    /** Deterministic id (`eventId(…)`) when the event must be emitted at most once (e.g. one per obligation × stage). */
    id?: string;
  };
}[T];

/** The outbox columns of a set of events, as parallel arrays for one `unnest(…)`. */
export interface OutboxColumns {
  ids: string[];
  types: string[];
  subjects: Array<string | null>;
  data: string[];
}

/**
 * Validates every payload against the catalog (throwing a ZodError that names the bad fields) and
 * returns the events as outbox columns. For a statement that writes events together with other
 * rows (one CTE, one round trip); `enqueue` is the same check followed by the insert.
 */
export function outboxColumns(events: readonly NewEvent[]): OutboxColumns {
  const out: OutboxColumns = { ids: [], types: [], subjects: [], data: [] };
  for (const e of events) {
    out.ids.push(e.id ?? crypto.randomUUID());
    out.types.push(e.type);
    out.subjects.push(e.subject ?? null);
    out.data.push(JSON.stringify(parseEventData(e.type, e.data)));
  }
  return out;
}

/**
 * Writes events into the outbox inside the caller's transaction: they are published if and only
 * if the state change commits. Payloads are validated against the catalog before anything is
 * written, and any number of events is one statement. With deterministic ids (`eventId`),
 * `ON CONFLICT DO NOTHING` makes re-emission a no-op.
 */
export async function enqueue(tx: SqlTx, events: NewEvent[], correlationId?: string): Promise<string[]> {
  if (events.length === 0) return [];
  const c = outboxColumns(events);
  await tx.$executeRawUnsafe(
    `INSERT INTO outbox (id, type, subject, data, correlation_id)
     SELECT u.id, u.type, u.subject, u.data, $5 FROM unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[]) AS u(id, type, subject, data)
     ON CONFLICT (id) DO NOTHING`,
    c.ids,
    c.types,
    c.subjects,
    c.data,
    correlationId ?? null,
  );
  return c.ids;
}

/** An event as it leaves a process (a relay, or a test playing another service). */
export interface OutgoingEvent {
  id: string;
  type: string;
  subject?: string | null;
  data: unknown;
  time: Date;
  source: string;
  correlationId?: string | null;
  /** the outbox row number (`seq`), as the CloudEvents `sequence` extension; absent for an event published by hand */
  sequence?: string | number | null;
}

/** An outbox row number as the CloudEvents `sequence` extension wants it: lexicographic order = numeric order. */
export const sequenceAttribute = (seq: string | number): string => String(seq).padStart(19, '0');

/**
 * The wire format, in one place: a CloudEvents 1.0 structured envelope as the message body, the
 * type as routing key, the id as AMQP message id (what inboxes dedupe on), persistent.
 */
export function eventMessage(e: OutgoingEvent): { routingKey: string; content: Buffer; options: Options.Publish } {
  const envelope = {
    specversion: '1.0',
    id: e.id,
    source: e.source,
    type: e.type,
    time: e.time.toISOString(),
    datacontenttype: 'application/json',
    dataschema: `urn:praxis-compliance:event:${e.type}`,
    ...(e.subject ? { subject: e.subject } : {}),
    ...(e.sequence != null ? { sequence: sequenceAttribute(e.sequence) } : {}),
    data: e.data,
  };
  return {
    routingKey: e.type,
    content: Buffer.from(JSON.stringify(envelope)),
    options: {
      persistent: true,
      messageId: e.id,
      type: e.type,
      contentType: 'application/cloudevents+json',
      timestamp: Math.floor(e.time.getTime() / 1000),
      appId: e.source,
      ...(e.correlationId ? { correlationId: e.correlationId } : {}),
    },
  };
}

interface OutboxRow {
  id: string;
  seq: string;
  type: string;
  subject: string | null;
  data: unknown;
  created_at: Date;
  correlation_id: string | null;
}

export interface RelayOptions {
  batchSize?: number;
  pollMs?: number;
  confirmTimeoutMs?: number;
  /** published rows are kept this long (for an operator's inspection), then deleted */
  retentionMs?: number;
}

const PURGE_SQL = `
WITH gone AS (DELETE FROM outbox WHERE published_at < now() - make_interval(secs => $1) RETURNING seq)
UPDATE outbox_horizon SET purged_through = GREATEST(purged_through, (SELECT max(seq) FROM gone))
WHERE EXISTS (SELECT 1 FROM gone)`;

/**
 * Publishes committed outbox rows on a confirm channel and marks them only after the broker
 * confirmed. Replicas share the work through `FOR UPDATE SKIP LOCKED`. A crash between confirm and
 * marking republishes the batch: consumers' inboxes absorb the duplicates (messageId = outbox id).
 */
export class OutboxRelay {
  private readonly loop: SingleFlight;
  private readonly batchSize: number;
  private readonly pollMs: number;
  private readonly confirmTimeoutMs: number;
  private readonly retentionMs: number;
  private lastPurge = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly bus: BusConnection,
    private readonly source: string,
    private readonly logger: Logger,
    opts: RelayOptions = {},
  ) {
    this.batchSize = opts.batchSize ?? 500;
    this.pollMs = opts.pollMs ?? 200;
    this.confirmTimeoutMs = opts.confirmTimeoutMs ?? 10_000;
    this.retentionMs = opts.retentionMs ?? 24 * 3_600_000;
    this.loop = singleFlight(
      () => this.drain(),
      (err) => this.logger.warn({ err: (err as Error).message }, 'outbox relay pass failed; will retry'),
    );
  }

  /** Polls every `pollMs` (rows committed by other processes, a pass that failed). */
  start(): void {
    this.loop.start(this.pollMs);
  }

  /** Publish now (called after a local commit so events do not wait for the next poll). */
  kick(): void {
    this.loop.kick();
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

  /** One batch: rows locked, published, confirmed, marked — all in one transaction, so a crash republishes rather than loses. */
  private async publishBatch(): Promise<number> {
    const published = await pgTransact(this.pool)(async ({ client }) => {
      const { rows } = await client.query<OutboxRow>(
        `SELECT id, seq::text AS seq, type, subject, data, created_at, correlation_id FROM outbox
         WHERE published_at IS NULL ORDER BY created_at, id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [this.batchSize],
      );
      if (rows.length === 0) return 0;
      const ch = await this.bus.publisherChannel();
      for (const row of rows) {
        const m = eventMessage({
          id: row.id,
          type: row.type,
          subject: row.subject,
          data: row.data,
          time: row.created_at,
          source: this.source,
          correlationId: row.correlation_id,
          sequence: row.seq,
        });
        ch.publish(EXCHANGE, m.routingKey, m.content, m.options);
      }
      await withTimeout(ch.waitForConfirms(), this.confirmTimeoutMs, 'broker confirm');
      await client.query('UPDATE outbox SET published_at = now() WHERE id = ANY($1::uuid[])', [rows.map((r) => r.id)]);
      return rows.length;
    });
    if (published > 0) metrics.outboxPublished.inc({ service: this.source }, published);
    return published;
  }

  /**
   * Deletes rows published longer ago than the retention, at most once a minute, so the outbox stays
   * small; the horizon rises to the highest number deleted in the same statement, so a watermark
   * count never compares rows one side no longer holds.
   */
  private async purgeIfDue(): Promise<void> {
    if (Date.now() - this.lastPurge < 60_000) return;
    this.lastPurge = Date.now();
    await this.pool.query(PURGE_SQL, [this.retentionMs / 1000]);
  }

  /** Rows not yet confirmed (exported as a gauge; a growing number means the broker is unreachable). */
  async pending(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(
      'SELECT count(*) AS n FROM outbox WHERE published_at IS NULL',
    );
    const n = Number(rows[0]?.n ?? 0);
    metrics.outboxPending.set({ service: this.source }, n);
    return n;
  }

  /** Stops polling and flushes what is committed (graceful shutdown), bounded by `timeoutMs`. */
  async stop(timeoutMs = 5000): Promise<void> {
    await this.loop.stop();
    await withTimeout(this.drain(), timeoutMs, 'outbox flush').catch((err: unknown) =>
      this.logger.warn(
        { err: (err as Error).message },
        'outbox not fully flushed at shutdown; it will be published at next start',
      ),
    );
  }
}
