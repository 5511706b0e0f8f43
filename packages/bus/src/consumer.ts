import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { envelopeSchema, isEventType, parseEventData, type Envelope, type EventType } from '@pc/contracts';
import { metrics, type Logger } from '@pc/service-kit';
import { assertConsumerTopology, retryQueue, type QueueOptions } from './topology';
import { withTimeout, type BusConnection } from './connection';
import type { SqlTx } from './outbox';

/** What a handler says it did (house-style §5). */
export type HandlerResult = 'done' | 'skipped';

export interface ConsumerSpec<Tx extends SqlTx> {
  queue: string;
  events: readonly EventType[];
  /** Runs the handler and the inbox insert in one database transaction. */
  transact: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>;
  /** Handles one event. Give this or `handleBatch`. */
  handle?: (event: Envelope, tx: Tx) => Promise<HandlerResult>;
  /**
   * Handles the new (not yet seen) events of a batch at once, in delivery order, inside the batch's
   * transaction — for set-based handlers (multi-row statements). Used with `batchSize` > 1.
   */
  handleBatch?: (events: Envelope[], tx: Tx) => Promise<void>;
  /** Called after the transaction committed (e.g. kick the outbox relay). */
  afterCommit?: () => void;
  prefetch?: number;
  maxAttempts?: number;
  retryDelayMs?: number;
  /**
   * Up to this many deliveries (waiting at most `batchWindowMs`) are handled in ONE transaction:
   * one inbox insert, the handlers in turn, one commit, then the acks. Per-message commits cap a
   * consumer near 3k events/s here; batches of ~100 approach the broker's rate (perf-baselines §5).
   * If the batch fails, each message is retried on its own so one bad event cannot block the others.
   */
  batchSize?: number;
  batchWindowMs?: number;
}

export interface Consumer { stop(): Promise<void> }

class PoisonMessage extends Error {}

/**
 * Consumes a queue with manual acks. Each message is handled once in effect: the inbox row
 * `(consumer, message id)` is inserted in the handler's transaction, so a redelivery (broker
 * restart, consumer killed before ack, relay republish) finds it and is acked without effect.
 * A failing handler is retried after `retryDelayMs` up to `maxAttempts`, then dead-lettered.
 */
export async function startConsumer<Tx extends SqlTx>(bus: BusConnection, spec: ConsumerSpec<Tx>, logger: Logger): Promise<Consumer> {
  const opts: QueueOptions = { maxAttempts: spec.maxAttempts ?? 5, retryDelayMs: spec.retryDelayMs ?? 1000 };
  const log = logger.child({ consumer: spec.queue });
  if (!spec.handle && !spec.handleBatch) throw new Error(`consumer ${spec.queue} needs handle or handleBatch`);
  const handleOne = async (event: Envelope, tx: Tx): Promise<HandlerResult> => {
    if (spec.handle) return spec.handle(event, tx);
    await spec.handleBatch!([event], tx);
    return 'done';
  };
  const inFlight = new Set<Promise<void>>();
  let channel: ConfirmChannel | null = null;
  let consumerTag: string | null = null;
  let stopping = false;
  let flushCurrent: (() => void) | null = null;

  const safeAck = (ch: Channel, msg: ConsumeMessage): void => {
    // After a reconnect the old channel is gone: the broker redelivers, the inbox absorbs it.
    try { ch.ack(msg); } catch (err) { log.warn({ err: (err as Error).message }, 'ack failed; message will be redelivered'); }
  };

  /** Parses and validates a delivery; a malformed one is dead-lettered at once (retrying cannot fix it). */
  const decode = (ch: ConfirmChannel, msg: ConsumeMessage): Envelope | null => {
    try {
      const raw = envelopeSchema.parse(JSON.parse(msg.content.toString('utf8')));
      if (!isEventType(raw.type)) throw new PoisonMessage(`unknown event type ${raw.type}`);
      return { ...raw, type: raw.type, data: parseEventData(raw.type, raw.data) } as Envelope;
    } catch (err) {
      log.error({ err: (err as Error).message, messageId: msg.properties.messageId }, 'malformed event dead-lettered');
      metrics.consumed.inc({ consumer: spec.queue, result: 'dead_lettered' });
      try { ch.nack(msg, false, false); } catch { /* redelivered, will fail again */ }
      return null;
    }
  };

  const process = async (ch: ConfirmChannel, msg: ConsumeMessage): Promise<void> => {
    const attempt = Number(msg.properties.headers?.['x-attempt'] ?? 0) + 1;
    const envelope = decode(ch, msg);
    if (!envelope) return;
    try {
      const result = await spec.transact(async (tx) => {
        const fresh = await tx.$executeRawUnsafe(
          'INSERT INTO inbox (consumer, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', spec.queue, envelope.id);
        if (fresh === 0) return 'duplicate' as const;
        return handleOne(envelope, tx);
      });
      if (result !== 'duplicate') spec.afterCommit?.();
      metrics.consumed.inc({ consumer: spec.queue, result });
      log.debug({ type: envelope.type, id: envelope.id, result }, 'event handled');
      safeAck(ch, msg);
    } catch (err) {
      if (attempt >= opts.maxAttempts) {
        log.error({ err, type: envelope.type, id: envelope.id, attempt }, 'handler failed; dead-lettered');
        metrics.consumed.inc({ consumer: spec.queue, result: 'dead_lettered' });
        try { ch.nack(msg, false, false); } catch { /* redelivered */ }
        return;
      }
      log.warn({ err: (err as Error).message, type: envelope.type, id: envelope.id, attempt }, 'handler failed; will retry');
      metrics.consumed.inc({ consumer: spec.queue, result: 'retry' });
      try {
        ch.sendToQueue(retryQueue(spec.queue), msg.content, {
          ...msg.properties, persistent: true, headers: { ...msg.properties.headers, 'x-attempt': attempt },
        });
        await withTimeout(ch.waitForConfirms(), 10_000, 'retry confirm');
        safeAck(ch, msg);
      } catch (e) {
        log.warn({ err: (e as Error).message }, 'could not schedule retry; message will be redelivered');
      }
    }
  };

  /** One transaction for a batch; on any failure, each message goes through `process` alone. */
  const processBatch = async (ch: ConfirmChannel, msgs: ConsumeMessage[]): Promise<void> => {
    const decoded = msgs.map((m) => ({ msg: m, envelope: decode(ch, m) })).filter((d): d is { msg: ConsumeMessage; envelope: Envelope } => d.envelope !== null);
    if (decoded.length === 0) return;
    let results: Array<HandlerResult | 'duplicate'>;
    try {
      results = await spec.transact(async (tx) => {
        // One inbox statement for the batch; an id twice in one batch (a redelivery racing its original) is handled once.
        const fresh = new Set((await tx.$queryRawUnsafe<Array<{ message_id: string }>>(
          `INSERT INTO inbox (consumer, message_id) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING RETURNING message_id`,
          spec.queue, decoded.map((d) => d.envelope.id))).map((r) => r.message_id));
        const out: Array<HandlerResult | 'duplicate'> = [];
        const todo: Envelope[] = [];
        for (const { envelope } of decoded) {
          if (!fresh.delete(envelope.id)) { out.push('duplicate'); continue; }
          if (spec.handleBatch) { todo.push(envelope); out.push('done'); } else out.push(await handleOne(envelope, tx));
        }
        if (spec.handleBatch && todo.length > 0) await spec.handleBatch(todo, tx);
        return out;
      });
    } catch (err) {
      log.warn({ err: (err as Error).message, size: decoded.length }, 'batch failed; handling its messages one by one');
      for (const { msg } of decoded) await process(ch, msg);
      return;
    }
    if (results.some((r) => r !== 'duplicate')) spec.afterCommit?.();
    results.forEach((r) => metrics.consumed.inc({ consumer: spec.queue, result: r }));
    for (const { msg } of decoded) safeAck(ch, msg);
  };

  const batchSize = spec.batchSize ?? 1;
  const windowMs = spec.batchWindowMs ?? 10;

  const setup = async (model: ChannelModel): Promise<void> => {
    if (stopping) return;
    const ch = await model.createConfirmChannel();
    ch.on('error', (err: Error) => log.warn({ err: err.message }, 'consumer channel error'));
    // A channel-level error (e.g. a stale delivery tag) closes the channel but not the connection, so
    // amqplib's recovery would never resubscribe: do it here. A lost connection is recovered by the bus.
    ch.once('close', () => {
      if (stopping || channel !== ch) return;
      setTimeout(() => {
        if (stopping || channel !== ch) return;
        setup(model).then(() => log.info('consumer channel reopened'), () => undefined);
      }, 500);
    });
    await assertConsumerTopology(ch, spec.queue, spec.events, opts);
    await ch.prefetch(Math.max(spec.prefetch ?? 20, batchSize * 2));
    const track = (p: Promise<void>): void => {
      const q = p.catch((err: unknown) => log.error({ err }, 'consumer crashed on a message'));
      inFlight.add(q);
      void q.finally(() => inFlight.delete(q));
    };
    // Batches of one channel run one after another, so a batch never waits on a lock its predecessor holds.
    let pending: ConsumeMessage[] = [];
    let timer: NodeJS.Timeout | null = null;
    let chain: Promise<void> = Promise.resolve();
    const flush = (): void => {
      if (timer) { clearTimeout(timer); timer = null; }
      if (pending.length === 0) return;
      const batch = pending; pending = [];
      chain = chain.then(() => processBatch(ch, batch));
      track(chain);
    };
    const reply = await ch.consume(spec.queue, (msg) => {
      if (!msg) {
        // The broker cancelled us (queue deleted, leader moved): closing the channel resubscribes below.
        log.warn('consumer cancelled by the broker; reopening');
        ch.close().catch(() => undefined);
        return;
      }
      if (batchSize <= 1) { track(process(ch, msg)); return; }
      pending.push(msg);
      if (pending.length >= batchSize) flush();
      else if (!timer) timer = setTimeout(flush, windowMs);
    }, { noAck: false });
    channel = ch;
    consumerTag = reply.consumerTag;
    flushCurrent = flush;
  };
  await bus.addSetup(setup);

  return {
    async stop(): Promise<void> {
      stopping = true;
      if (channel && consumerTag) await channel.cancel(consumerTag).catch(() => undefined);
      flushCurrent?.(); // a partly filled batch is handled, not left unacked
      await Promise.allSettled([...inFlight]);
      if (channel) await channel.close().catch(() => undefined);
    },
  };
}
