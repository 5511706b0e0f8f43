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

/**
 * Law 25: removes from the DLQs of `queues` every dead letter that mentions one of `needles`
 * (compared without case on the message's bytes, e.g. the email), keeping the others in their
 * order. The DLQ is taken whole (each message held unacknowledged), the kept ones are published
 * back to it through the queue's own exchange with confirms, then everything taken is acked: a
 * crash before the acks leaves every message where it was (the kept ones twice), never loses one.
 * At most `max` messages per DLQ are looked at in one pass (a DLQ is an operator's to-do list, not a
 * store). Returns how many were removed.
 */
export async function purgeDeadLettersMentioning(
  bus: BusConnection,
  queues: readonly string[],
  needles: readonly string[],
  max = 10_000,
): Promise<number> {
  const wanted = needles.map((n) => n.trim().toLowerCase()).filter(Boolean);
  if (wanted.length === 0) return 0;
  let removed = 0;
  for (const q of queues) {
    const ch = await bus.channel();
    ch.on('error', () => undefined); // a DLQ not declared yet closes the channel: nothing to purge there
    try {
      try {
        await ch.checkQueue(deadLetterQueue(q));
      } catch {
        continue;
      }
      const taken = [];
      for (let i = 0; i < max; i++) {
        const msg = await ch.get(deadLetterQueue(q), { noAck: false });
        if (!msg) break;
        taken.push(msg);
      }
      const mentions = (content: Buffer): boolean => {
        const text = content.toString('utf8').toLowerCase();
        return wanted.some((n) => text.includes(n));
      };
      const kept = taken.filter((m) => !mentions(m.content));
      if (kept.length === taken.length) {
        for (const m of taken) ch.nack(m, false, true);
        continue;
      }
      for (const m of kept)
        ch.publish(queueExchange(q), deadLetterQueue(q), m.content, { ...m.properties, persistent: true });
      await withTimeout(ch.waitForConfirms(), 10_000, 'dead letters kept');
      for (const m of taken) ch.ack(m);
      removed += taken.length - kept.length;
    } finally {
      await ch.close().catch(() => undefined);
    }
  }
  return removed;
}
