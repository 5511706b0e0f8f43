import type { Channel, ConfirmChannel, ConsumeMessage } from 'amqplib';
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
  handle: (event: Envelope, tx: Tx) => Promise<HandlerResult>;
  /** Called after the transaction committed (e.g. kick the outbox relay). */
  afterCommit?: () => void;
  prefetch?: number;
  maxAttempts?: number;
  retryDelayMs?: number;
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
  const inFlight = new Set<Promise<void>>();
  let channel: ConfirmChannel | null = null;
  let consumerTag: string | null = null;
  let stopping = false;

  const safeAck = (ch: Channel, msg: ConsumeMessage): void => {
    // After a reconnect the old channel is gone: the broker redelivers, the inbox absorbs it.
    try { ch.ack(msg); } catch (err) { log.warn({ err: (err as Error).message }, 'ack failed; message will be redelivered'); }
  };

  const process = async (ch: ConfirmChannel, msg: ConsumeMessage): Promise<void> => {
    const attempt = Number(msg.properties.headers?.['x-attempt'] ?? 0) + 1;
    let envelope: Envelope;
    try {
      const raw = envelopeSchema.parse(JSON.parse(msg.content.toString('utf8')));
      if (!isEventType(raw.type)) throw new PoisonMessage(`unknown event type ${raw.type}`);
      envelope = { ...raw, type: raw.type, data: parseEventData(raw.type, raw.data) } as Envelope;
    } catch (err) {
      log.error({ err: (err as Error).message, messageId: msg.properties.messageId }, 'malformed event dead-lettered');
      metrics.consumed.inc({ consumer: spec.queue, result: 'dead_lettered' });
      try { ch.nack(msg, false, false); } catch { /* redelivered, will fail again */ }
      return;
    }
    try {
      const result = await spec.transact(async (tx) => {
        const fresh = await tx.$executeRawUnsafe(
          'INSERT INTO inbox (consumer, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', spec.queue, envelope.id);
        if (fresh === 0) return 'duplicate' as const;
        return spec.handle(envelope, tx);
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

  await bus.addSetup(async (model) => {
    if (stopping) return;
    const ch = await model.createConfirmChannel();
    ch.on('error', (err: Error) => log.warn({ err: err.message }, 'consumer channel error'));
    await assertConsumerTopology(ch, spec.queue, spec.events, opts);
    await ch.prefetch(spec.prefetch ?? 20);
    const reply = await ch.consume(spec.queue, (msg) => {
      if (!msg) return; // consumer cancelled by the broker; the setup re-subscribes on reconnect
      const p = process(ch, msg).catch((err: unknown) => log.error({ err }, 'consumer crashed on a message'));
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }, { noAck: false });
    channel = ch;
    consumerTag = reply.consumerTag;
  });

  return {
    async stop(): Promise<void> {
      stopping = true;
      if (channel && consumerTag) await channel.cancel(consumerTag).catch(() => undefined);
      await Promise.allSettled([...inFlight]);
      if (channel) await channel.close().catch(() => undefined);
    },
  };
}
