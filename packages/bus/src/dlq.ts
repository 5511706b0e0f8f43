import type { BusConnection } from './connection';
import { deadLetterQueue, queueExchange, QUEUES } from './topology';
import { withTimeout } from './connection';

export interface DeadLetterSummary {
  queue: string;
  deadLetters: number;
}

/** Counts dead letters for every known consumer queue (queues not declared yet are skipped). */
export async function listDeadLetters(
  bus: BusConnection,
  queues: readonly string[] = Object.values(QUEUES),
): Promise<DeadLetterSummary[]> {
  const out: DeadLetterSummary[] = [];
  for (const q of queues) {
    const ch = await bus.channel();
    ch.on('error', () => undefined); // checkQueue on a missing queue closes the channel
    try {
      const info = await ch.checkQueue(deadLetterQueue(q));
      out.push({ queue: q, deadLetters: info.messageCount });
    } catch {
      /* not declared */
    }
    await ch.close().catch(() => undefined);
  }
  return out;
}

/**
 * Moves up to `max` dead letters of `queue` back to it with a fresh attempt count. Each message is
 * republished with confirm before it is acked from the DLQ: a crash duplicates, never loses.
 */
export async function replayDeadLetters(bus: BusConnection, queue: string, max = Infinity): Promise<number> {
  const ch = await bus.channel();
  let moved = 0;
  try {
    while (moved < max) {
      const msg = await ch.get(deadLetterQueue(queue), { noAck: false });
      if (!msg) break;
      const headers = { ...msg.properties.headers };
      delete headers['x-attempt'];
      delete headers['x-death'];
      delete headers['x-delivery-count'];
      ch.publish(queueExchange(queue), queue, msg.content, {
        ...msg.properties,
        persistent: true,
        headers: { ...headers, 'x-replayed': true },
      });
      await withTimeout(ch.waitForConfirms(), 10_000, 'replay confirm');
      ch.ack(msg);
      moved += 1;
    }
  } finally {
    await ch.close().catch(() => undefined);
  }
  return moved;
}
