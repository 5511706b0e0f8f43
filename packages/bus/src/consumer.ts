import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { eventCatalog, isEventType, parseEnvelope, type Envelope, type EventData, type EventType } from '@pc/contracts';
import { metrics, type Logger } from '@pc/service-kit';
import { assertConsumerTopology, queueExchange, retryQueue, type QueueOptions } from './topology';
import { withTimeout, type BusConnection } from './connection';
import type { SqlTx } from './outbox';

/** What a handler says it did (counted in the consumer's metrics). */
export type HandlerResult = 'done' | 'skipped';

/** Handles one event of type T, inside the transaction that also records it in the inbox. */
export type EventHandler<T extends EventType, Tx> = (
  data: EventData<T>,
  tx: Tx,
  envelope: Envelope<T>,
) => Promise<HandlerResult>;

/** One event of a batch: its payload, and the envelope it came in (id, time, source). */
export type BatchItem<T extends EventType = EventType> = { [K in T]: { data: EventData<K>; envelope: Envelope<K> } }[T];

/**
 * Handles consecutive events of a batch at once, in delivery order, inside the batch's transaction:
 * for set-based handlers (multi-row statements). Give one function to several types and it receives
 * their consecutive events together (typed as the union of those types).
 */
export type BatchHandler<T extends EventType, Tx> = (items: Array<BatchItem<T>>, tx: Tx) => Promise<void>;

/** One handler per event type; the queue is bound to exactly these types. */
export type Handlers<Tx> = { [T in EventType]?: EventHandler<T, Tx> };
export type BatchHandlers<Tx> = { [T in EventType]?: BatchHandler<T, Tx> };

export interface ConsumeSpec<Tx extends SqlTx> {
  queue: string;
  /** Runs the handlers and the inbox insert in one database transaction. */
  transact: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>;
  /** Handlers of single events, by type. */
  on?: Handlers<Tx>;
  /** Handlers of runs of events, by type (see `batchSize`). A type is in `on` or in `onBatch`, not both. */
  onBatch?: BatchHandlers<Tx>;
  /** Called after a transaction committed with `handled` events that were not duplicates (e.g. kick the outbox relay). */
  afterCommit?: (handled: number) => void;
  prefetch?: number;
  maxAttempts?: number;
  retryDelayMs?: number;
  /**
   * Up to this many deliveries (waiting at most `batchWindowMs`) are handled in ONE transaction:
   * one inbox insert, the handlers in turn, one commit, then the acks. Per-message commits cap a
   * consumer near 3k events/s here; batches of ~100 approach the broker's rate.
   * If the batch fails, each message is retried on its own so one bad event cannot block the others.
   */
  batchSize?: number;
  batchWindowMs?: number;
}

export interface Consumer {
  /** the queue consumed, and the event types bound to it (what a watermark of its producers counts) */
  readonly queue: string;
  readonly types: readonly EventType[];
  stop(): Promise<void>;
}

/** The outbox row number a message carries (CloudEvents `sequence`), as the inbox stores it. */
const seqOf = (e: Envelope): string | null => (e.sequence === undefined ? null : String(BigInt(e.sequence)));

class PoisonMessage extends Error {}

/*
 * The dispatcher keeps handlers of different types side by side. Method syntax makes their
 * parameters bivariant, so a handler of one type can be stored here without a cast; it is sound
 * because the dispatcher only passes a handler events of the types it was registered under.
 */
type StoredOne<Tx> = { call(data: EventData<EventType>, tx: Tx, envelope: Envelope): Promise<HandlerResult> }['call'];
type StoredBatch<Tx> = { call(items: BatchItem[], tx: Tx): Promise<void> }['call'];
type Route<Tx> = { kind: 'one'; handle: StoredOne<Tx> } | { kind: 'batch'; handle: StoredBatch<Tx> };

function routesOf<Tx extends SqlTx>(spec: ConsumeSpec<Tx>): Map<EventType, Route<Tx>> {
  const routes = new Map<EventType, Route<Tx>>();
  for (const type of Object.keys(spec.on ?? {}).filter(isEventType)) {
    const handle: StoredOne<Tx> | undefined = spec.on?.[type];
    if (handle) routes.set(type, { kind: 'one', handle });
  }
  for (const type of Object.keys(spec.onBatch ?? {}).filter(isEventType)) {
    const handle: StoredBatch<Tx> | undefined = spec.onBatch?.[type];
    if (!handle) continue;
    if (routes.has(type)) throw new Error(`consumer ${spec.queue}: ${type} is in both on and onBatch`);
    routes.set(type, { kind: 'batch', handle });
  }
  const unknown = [...Object.keys(spec.on ?? {}), ...Object.keys(spec.onBatch ?? {})].filter((t) => !isEventType(t));
  if (unknown.length > 0) throw new Error(`consumer ${spec.queue}: not in the event catalog: ${unknown.join(', ')}`);
  if (routes.size === 0) throw new Error(`consumer ${spec.queue} handles no event type (give on or onBatch)`);
  return routes;
}

const itemOf = <T extends EventType>(envelope: Envelope<T>): BatchItem<T> => ({ data: envelope.data, envelope });

/**
 * Consumes a queue with manual acks, dispatching each event to the handler of its type. The queue
 * is bound to the types of `on` and `onBatch`, and unbound from every other catalog type (a type
 * removed from the map stops arriving; one still waiting in the queue is dead-lettered).
 *
 * Each message is handled once in effect: the inbox row `(consumer, message id)` is inserted in the
 * handler's transaction, so a redelivery (broker restart, consumer killed before ack, relay
 * republish) finds it and is acked without effect. A failing handler is retried after
 * `retryDelayMs` up to `maxAttempts`, then dead-lettered; a malformed message or a type this
 * consumer has no handler for is dead-lettered at once (retrying cannot fix it).
 */
export async function consume<Tx extends SqlTx>(
  bus: BusConnection,
  spec: ConsumeSpec<Tx>,
  logger: Logger,
): Promise<Consumer> {
  const opts: QueueOptions = { maxAttempts: spec.maxAttempts ?? 5, retryDelayMs: spec.retryDelayMs ?? 1000 };
  const log = logger.child({ consumer: spec.queue });
  const routes = routesOf(spec);
  const bindings = [...routes.keys()];
  const unbound = Object.keys(eventCatalog).filter((t) => isEventType(t) && !routes.has(t));

  const handleOne = async (envelope: Envelope, tx: Tx): Promise<HandlerResult> => {
    const route = routes.get(envelope.type)!;
    if (route.kind === 'one') return route.handle(envelope.data, tx, envelope);
    await route.handle([itemOf(envelope)], tx);
    return 'done';
  };

  /** Hands the new events of a batch to their handlers in order; consecutive events with the same batch handler go together. */
  const handleAll = async (envelopes: Envelope[], tx: Tx): Promise<HandlerResult[]> => {
    const results: HandlerResult[] = [];
    let i = 0;
    while (i < envelopes.length) {
      const first = envelopes[i]!;
      const route = routes.get(first.type)!;
      if (route.kind === 'one') {
        results.push(await route.handle(first.data, tx, first));
        i += 1;
        continue;
      }
      let j = i + 1;
      while (j < envelopes.length) {
        const next = routes.get(envelopes[j]!.type)!;
        if (next.kind !== 'batch' || next.handle !== route.handle) break;
        j += 1;
      }
      await route.handle(envelopes.slice(i, j).map(itemOf), tx);
      for (let k = i; k < j; k += 1) results.push('done');
      i = j;
    }
    return results;
  };

  const inFlight = new Set<Promise<void>>();
  let channel: ConfirmChannel | null = null;
  let consumerTag: string | null = null;
  let stopping = false;
  let flushCurrent: (() => void) | null = null;

  /** The hook runs after the commit and before the acks: its failure must not leave committed messages unacked. */
  const afterCommit = (handled: number): void => {
    try {
      spec.afterCommit?.(handled);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'afterCommit hook failed');
    }
  };

  const safeAck = (ch: Channel, msg: ConsumeMessage): void => {
    // After a reconnect the old channel is gone: the broker redelivers, the inbox absorbs it.
    try {
      ch.ack(msg);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'ack failed; message will be redelivered');
    }
  };

  /** Parses and validates a delivery; a malformed or unroutable one is dead-lettered at once. */
  const decode = (ch: ConfirmChannel, msg: ConsumeMessage): Envelope | null => {
    try {
      const envelope = parseEnvelope(JSON.parse(msg.content.toString('utf8')));
      if (!routes.has(envelope.type)) throw new PoisonMessage(`no handler for ${envelope.type} in this consumer`);
      return envelope;
    } catch (err) {
      const what =
        err instanceof PoisonMessage ? 'event type not handled here dead-lettered' : 'malformed event dead-lettered';
      log.error({ err: (err as Error).message, messageId: msg.properties.messageId }, what);
      metrics.consumed.inc({ consumer: spec.queue, result: 'dead_lettered' });
      try {
        ch.nack(msg, false, false);
      } catch {
        /* redelivered, will fail again */
      }
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
          `INSERT INTO inbox (consumer, message_id, source, seq, type) VALUES ($1, $2, $3, $4::bigint, $5)
           ON CONFLICT DO NOTHING`,
          spec.queue,
          envelope.id,
          envelope.source,
          seqOf(envelope),
          envelope.type,
        );
        if (fresh === 0) return 'duplicate' as const;
        return handleOne(envelope, tx);
      });
      if (result !== 'duplicate') afterCommit(1);
      metrics.consumed.inc({ consumer: spec.queue, result });
      log.debug({ type: envelope.type, id: envelope.id, result }, 'event handled');
      safeAck(ch, msg);
    } catch (err) {
      if (attempt >= opts.maxAttempts) {
        log.error({ err, type: envelope.type, id: envelope.id, attempt }, 'handler failed; dead-lettered');
        metrics.consumed.inc({ consumer: spec.queue, result: 'dead_lettered' });
        try {
          ch.nack(msg, false, false);
        } catch {
          /* redelivered */
        }
        return;
      }
      log.warn(
        { err: (err as Error).message, type: envelope.type, id: envelope.id, attempt },
        'handler failed; will retry',
      );
      metrics.consumed.inc({ consumer: spec.queue, result: 'retry' });
      try {
        ch.publish(queueExchange(spec.queue), retryQueue(spec.queue), msg.content, {
          ...msg.properties,
          persistent: true,
          headers: { ...msg.properties.headers, 'x-attempt': attempt },
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
    const decoded = msgs
      .map((m) => ({ msg: m, envelope: decode(ch, m) }))
      .filter((d): d is { msg: ConsumeMessage; envelope: Envelope } => d.envelope !== null);
    if (decoded.length === 0) return;
    let results: Array<HandlerResult | 'duplicate'>;
    try {
      results = await spec.transact(async (tx) => {
        // One inbox statement for the batch; an id twice in one batch (a redelivery racing its original) is handled once.
        const fresh = new Set(
          (
            await tx.$queryRawUnsafe<Array<{ message_id: string }>>(
              `INSERT INTO inbox (consumer, message_id, source, seq, type)
               SELECT $1, u.id, u.source, u.seq, u.type FROM unnest($2::text[], $3::text[], $4::bigint[], $5::text[]) AS u(id, source, seq, type)
               ON CONFLICT DO NOTHING RETURNING message_id`,
              spec.queue,
              decoded.map((d) => d.envelope.id),
              decoded.map((d) => d.envelope.source),
              decoded.map((d) => seqOf(d.envelope)),
              decoded.map((d) => d.envelope.type),
            )
          ).map((r) => r.message_id),
        );
        const isNew = decoded.map(({ envelope }) => fresh.delete(envelope.id));
        const handled = await handleAll(
          decoded.filter((_, k) => isNew[k]).map((d) => d.envelope),
          tx,
        );
        return isNew.map((n) => (n ? handled.shift()! : ('duplicate' as const)));
      });
    } catch (err) {
      log.warn({ err: (err as Error).message, size: decoded.length }, 'batch failed; handling its messages one by one');
      for (const { msg } of decoded) await process(ch, msg);
      return;
    }
    const handled = results.filter((r) => r !== 'duplicate').length;
    if (handled > 0) afterCommit(handled);
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
        setup(model).then(
          () => log.info('consumer channel reopened'),
          () => undefined,
        );
      }, 500);
    });
    await assertConsumerTopology(ch, spec.queue, bindings, opts, unbound);
    await ch.prefetch(Math.max(spec.prefetch ?? 20, batchSize * 2));
    const track = (p: Promise<void>): void => {
      const q = p.catch((err: unknown) => log.error({ err }, 'consumer crashed on a message'));
      inFlight.add(q);
      void q.finally(() => inFlight.delete(q));
    };
    // Batches of one channel run one after another, so a batch never waits on a lock its predecessor holds.
    // While one is in flight, deliveries gather into the next (up to batchSize) instead of leaving
    // after `windowMs` in small batches: the slower a batch, the larger the next, so a burst is
    // absorbed in few transactions; an idle consumer still answers a lone event within `windowMs`.
    let pending: ConsumeMessage[] = [];
    let timer: NodeJS.Timeout | null = null;
    let chain: Promise<void> = Promise.resolve();
    let inFlightBatches = 0;
    const flush = (): void => {
      if (timer) {
        clearTimeout(timer);
        timer = null;
      }
      if (pending.length === 0) return;
      const batch = pending;
      pending = [];
      inFlightBatches += 1;
      chain = chain
        .then(() => processBatch(ch, batch))
        // A batch that throws must not reject the chain: every later batch would be skipped, unacked.
        .catch((err: unknown) => log.error({ err }, 'consumer crashed on a batch'))
        .finally(() => {
          inFlightBatches -= 1;
          if (inFlightBatches === 0) flush();
        });
      track(chain);
    };
    const reply = await ch.consume(
      spec.queue,
      (msg) => {
        if (!msg) {
          // The broker cancelled us (queue deleted, leader moved): closing the channel resubscribes below.
          log.warn('consumer cancelled by the broker; reopening');
          ch.close().catch(() => undefined);
          return;
        }
        if (batchSize <= 1) {
          track(process(ch, msg));
          return;
        }
        pending.push(msg);
        if (pending.length >= batchSize) flush();
        else if (!timer && inFlightBatches === 0) timer = setTimeout(flush, windowMs);
      },
      { noAck: false },
    );
    channel = ch;
    consumerTag = reply.consumerTag;
    flushCurrent = flush;
  };
  await bus.addSetup(setup);

  return {
    queue: spec.queue,
    types: bindings,
    async stop(): Promise<void> {
      stopping = true;
      if (channel && consumerTag) await channel.cancel(consumerTag).catch(() => undefined);
      flushCurrent?.(); // a partly filled batch is handled, not left unacked
      await Promise.allSettled([...inFlight]);
      if (channel) await channel.close().catch(() => undefined);
    },
  };
}
