import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import type pg from 'pg';
import { envelopeSchema, isEventType, parseEventData, type Envelope, type EventType } from '@pc/contracts';
import { assertConsumerTopology, retryQueue, withTimeout, type BusConnection } from '@pc/bus';
import { metrics, type Logger } from '@pc/service-kit';

export interface BatchConsumerSpec {
  queue: string;
  events: readonly EventType[];
  pool: pg.Pool;
  /** Applies events in delivery order inside the caller's open transaction. */
  apply: (events: Envelope[], client: pg.PoolClient) => Promise<void>;
  batchSize: number;
  lingerMs: number;
  maxAttempts?: number;
  retryDelayMs?: number;
}

export interface BatchConsumer { stop(): Promise<void>; readonly applied: number }

interface Item { ch: ConfirmChannel; msg: ConsumeMessage; envelope: Envelope }

/**
 * The read model's consumer: same queue topology, inbox and retry/DLQ rules as @pc/bus consumers,
 * but many messages per database transaction. One transaction per message caps the read model at a
 * few hundred events/s (a commit each); a batch pays one commit, one inbox insert and one audit
 * head lock per funder for up to `batchSize` events.
 * A batch that fails is rolled back and its messages are retried one by one, so a poison message
 * is isolated, retried after `retryDelayMs` and dead-lettered after `maxAttempts` like anywhere else.
 */
export async function startBatchConsumer(bus: BusConnection, spec: BatchConsumerSpec, logger: Logger): Promise<BatchConsumer> {
  const maxAttempts = spec.maxAttempts ?? 5;
  const retryDelayMs = spec.retryDelayMs ?? 1000;
  const log = logger.child({ consumer: spec.queue });
  const buffer: Item[] = [];
  let timer: NodeJS.Timeout | null = null;
  let flushing: Promise<void> | null = null;
  let channel: ConfirmChannel | null = null;
  let consumerTag: string | null = null;
  let stopping = false;
  let applied = 0;

  const safeAck = (it: Item): void => {
    try { it.ch.ack(it.msg); } catch (err) { log.warn({ err: (err as Error).message }, 'ack failed; message will be redelivered'); }
  };

  /** Runs `items` in one transaction; returns false (rolled back) when anything failed. */
  const runTx = async (items: Item[]): Promise<void> => {
    const client = await spec.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ message_id: string }>(
        `INSERT INTO inbox (consumer, message_id) SELECT $1, m FROM unnest($2::text[]) AS m ON CONFLICT DO NOTHING RETURNING message_id`,
        [spec.queue, [...new Set(items.map((i) => i.envelope.id))]]);
      const fresh = new Set(rows.map((r) => r.message_id));
      const todo: Envelope[] = [];
      for (const it of items) if (fresh.delete(it.envelope.id)) todo.push(it.envelope);
      if (todo.length) await spec.apply(todo, client);
      await client.query('COMMIT');
      applied += todo.length;
      metrics.consumed.inc({ consumer: spec.queue, result: 'done' }, todo.length);
      if (items.length > todo.length) metrics.consumed.inc({ consumer: spec.queue, result: 'duplicate' }, items.length - todo.length);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  };

  const retryOrDeadLetter = async (it: Item, err: unknown): Promise<void> => {
    const attempt = Number(it.msg.properties.headers?.['x-attempt'] ?? 0) + 1;
    if (attempt >= maxAttempts) {
      log.error({ err, type: it.envelope.type, id: it.envelope.id, attempt }, 'handler failed; dead-lettered');
      metrics.consumed.inc({ consumer: spec.queue, result: 'dead_lettered' });
      try { it.ch.nack(it.msg, false, false); } catch { /* redelivered */ }
      return;
    }
    log.warn({ err: (err as Error).message, type: it.envelope.type, id: it.envelope.id, attempt }, 'handler failed; will retry');
    metrics.consumed.inc({ consumer: spec.queue, result: 'retry' });
    try {
      it.ch.sendToQueue(retryQueue(spec.queue), it.msg.content, {
        ...it.msg.properties, persistent: true, headers: { ...it.msg.properties.headers, 'x-attempt': attempt },
      });
      await withTimeout(it.ch.waitForConfirms(), 10_000, 'retry confirm');
      safeAck(it);
    } catch (e) {
      log.warn({ err: (e as Error).message }, 'could not schedule retry; message will be redelivered');
    }
  };

  const flushOnce = async (): Promise<void> => {
    const items = buffer.splice(0, spec.batchSize);
    if (items.length === 0) return;
    try {
      await runTx(items);
      items.forEach(safeAck);
    } catch (err) {
      if (items.length > 1) log.warn({ err: (err as Error).message, size: items.length }, 'batch failed; applying its events one by one');
      for (const it of items) {
        try {
          if (items.length > 1) await runTx([it]);
          else throw err;
          safeAck(it);
        } catch (e) {
          await retryOrDeadLetter(it, e);
        }
      }
    }
  };

  const schedule = (): void => {
    if (flushing) return;
    if (buffer.length >= spec.batchSize || spec.lingerMs === 0 || stopping) {
      if (timer) { clearTimeout(timer); timer = null; }
      flushing = (async () => {
        while (buffer.length >= spec.batchSize || (buffer.length > 0 && (spec.lingerMs === 0 || stopping))) await flushOnce();
      })().catch((err: unknown) => log.error({ err }, 'batch flush crashed'))
        .finally(() => { flushing = null; if (buffer.length) schedule(); });
      return;
    }
    if (!timer && buffer.length) {
      timer = setTimeout(() => {
        timer = null;
        if (flushing) return;
        flushing = flushOnce().catch((err: unknown) => log.error({ err }, 'batch flush crashed'))
          .finally(() => { flushing = null; if (buffer.length) schedule(); });
      }, spec.lingerMs);
    }
  };

  await bus.addSetup(async (model) => {
    if (stopping) return;
    const ch = await model.createConfirmChannel();
    ch.on('error', (err: Error) => log.warn({ err: err.message }, 'consumer channel error'));
    await assertConsumerTopology(ch, spec.queue, spec.events, { maxAttempts, retryDelayMs });
    // enough unacked messages to fill a batch while the previous one commits
    await ch.prefetch(spec.batchSize * 2);
    const reply = await ch.consume(spec.queue, (msg) => {
      if (!msg) return;
      let envelope: Envelope;
      try {
        const raw = envelopeSchema.parse(JSON.parse(msg.content.toString('utf8')));
        if (!isEventType(raw.type)) throw new Error(`unknown event type ${raw.type}`);
        envelope = { ...raw, type: raw.type, data: parseEventData(raw.type, raw.data) } as Envelope;
      } catch (err) {
        log.error({ err: (err as Error).message, messageId: msg.properties.messageId }, 'malformed event dead-lettered');
        metrics.consumed.inc({ consumer: spec.queue, result: 'dead_lettered' });
        try { ch.nack(msg, false, false); } catch { /* redelivered */ }
        return;
      }
      buffer.push({ ch, msg, envelope });
      schedule();
    }, { noAck: false });
    channel = ch;
    consumerTag = reply.consumerTag;
  });

  return {
    get applied() { return applied; },
    async stop(): Promise<void> {
      stopping = true;
      if (channel && consumerTag) await channel.cancel(consumerTag).catch(() => undefined);
      if (timer) { clearTimeout(timer); timer = null; }
      while (flushing) await flushing;
      while (buffer.length) await flushOnce();
      if (channel) await channel.close().catch(() => undefined);
    },
  };
}
