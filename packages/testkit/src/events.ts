import crypto from 'node:crypto';
import amqp from 'amqplib';
import { EXCHANGE, eventMessage } from '@pc/bus';
import { parseEnvelope, parseEventData, type Envelope, type EventData, type EventType } from '@pc/contracts';

/**
 * An event a test publishes as another service would. The payload is checked against the catalog
 * first, so a test cannot send what no real service could (a deliberately malformed message is
 * published by hand). An `id` given twice is a redelivery of the same message.
 */
export type TestEvent<T extends EventType = EventType> = {
  [K in T]: {
    type: K;
    data: EventData<K>;
    id?: string;
    subject?: string;
    source?: string;
    time?: string;
  };
}[T];

export interface EventPublisher {
  /** Publishes in order on the events exchange, waits for the broker's confirms, returns the message ids. */
  publish<T extends EventType>(events: ReadonlyArray<TestEvent<T>>): Promise<string[]>;
  /** Publishes one event; returns its message id. */
  publishEvent<T extends EventType>(type: T, data: EventData<T>, opts?: EventOptions): Promise<string>;
  close(): Promise<void>;
}

export interface EventOptions {
  id?: string;
  subject?: string;
  source?: string;
  time?: string;
}

/** A publisher that keeps its connection, for a test that publishes many times. */
export async function eventPublisher(amqpUrl: string): Promise<EventPublisher> {
  const conn = await amqp.connect(amqpUrl);
  const ch = await conn.createConfirmChannel();
  await ch.assertExchange(EXCHANGE, 'topic', { durable: true });
  const publisher: EventPublisher = {
    async publish(events) {
      const ids: string[] = [];
      for (const [i, e] of events.entries()) {
        const id = e.id ?? crypto.randomUUID();
        const m = eventMessage({
          id,
          type: e.type,
          subject: e.subject ?? null,
          data: parseEventData(e.type, e.data),
          time: e.time ? new Date(e.time) : new Date(),
          source: e.source ?? 'test',
        });
        ch.publish(EXCHANGE, m.routingKey, m.content, m.options);
        ids.push(id);
        if (i % 500 === 499) await ch.waitForConfirms(); // bounded unconfirmed window on large sets
      }
      await ch.waitForConfirms();
      return ids;
    },
    async publishEvent(type, data, opts = {}) {
      const [id] = await publisher.publish([{ ...opts, type, data }]);
      return id!;
    },
    async close() {
      await ch.close().catch(() => undefined);
      await conn.close().catch(() => undefined);
    },
  };
  return publisher;
}

/** Publishes `events` (one connection for the call) and returns their message ids. */
export async function publishEvents<T extends EventType>(
  amqpUrl: string,
  events: ReadonlyArray<TestEvent<T>>,
): Promise<string[]> {
  const p = await eventPublisher(amqpUrl);
  try {
    return await p.publish(events);
  } finally {
    await p.close();
  }
}

/** Publishes one event and returns its message id. */
export async function publishEvent<T extends EventType>(
  amqpUrl: string,
  type: T,
  data: EventData<T>,
  opts: EventOptions = {},
): Promise<string> {
  const p = await eventPublisher(amqpUrl);
  try {
    return await p.publishEvent(type, data, opts);
  } finally {
    await p.close();
  }
}

export interface EventTap<T extends EventType> {
  /** Every valid event received so far, in arrival order. */
  readonly messages: Array<Envelope<T>>;
  /** Stops listening; rejects if any received message broke the catalog (a service published something invalid). */
  close(): Promise<void>;
}

/**
 * Listens to what services publish: an exclusive queue bound to the given event types (then
 * `messages` is typed by them) or routing patterns (`agreement.#`: every agreement event), that
 * collects each message checked against the catalog. Start it before the action whose events the
 * test expects.
 */
export function tapEvents<T extends EventType>(amqpUrl: string, types: T | readonly T[]): Promise<EventTap<T>>;
export function tapEvents(amqpUrl: string, pattern: string | readonly string[]): Promise<EventTap<EventType>>;
export async function tapEvents<T extends EventType>(
  amqpUrl: string,
  pattern: string | readonly string[],
): Promise<EventTap<T>> {
  const conn = await amqp.connect(amqpUrl);
  const ch = await conn.createChannel();
  await ch.assertExchange(EXCHANGE, 'topic', { durable: true });
  const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true });
  const patterns: readonly string[] = typeof pattern === 'string' ? [pattern] : pattern;
  for (const p of patterns) await ch.bindQueue(queue, EXCHANGE, p);
  const messages: Array<Envelope<T>> = [];
  const invalid: string[] = [];
  // The broker routes by these patterns; checking again here is what makes `messages` safe to type by them.
  const bound = (e: Envelope | Envelope<T>): e is Envelope<T> => patterns.some((p) => keyMatches(p, e.type));
  await ch.consume(
    queue,
    (msg) => {
      if (!msg) return;
      try {
        const e = parseEnvelope(JSON.parse(msg.content.toString('utf8')));
        if (bound(e)) messages.push(e);
        else invalid.push(`${e.type} does not match ${patterns.join(', ')}`);
      } catch (err) {
        invalid.push(`${msg.properties.messageId ?? '?'}: ${(err as Error).message}`);
      }
    },
    { noAck: true },
  );
  return {
    messages,
    async close() {
      await ch.close().catch(() => undefined);
      await conn.close().catch(() => undefined);
      if (invalid.length > 0)
        throw new Error(`tap on ${patterns.join(', ')} received events that break the catalog: ${invalid.join('; ')}`);
    },
  };
}

/** AMQP topic matching: `*` is one word, `#` zero or more. */
function keyMatches(pattern: string, key: string): boolean {
  const match = (p: string[], k: string[]): boolean => {
    if (p.length === 0) return k.length === 0;
    const [head, ...rest] = p;
    if (head === '#') return match(rest, k) || (k.length > 0 && match(p, k.slice(1)));
    if (k.length === 0) return false;
    return (head === '*' || head === k[0]) && match(rest, k.slice(1));
  };
  return match(pattern.split('.'), key.split('.'));
}
