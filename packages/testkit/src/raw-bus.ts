import amqp from 'amqplib';

/**
 * The raw limit the bus benchmarks compare against: what plain amqplib does with the same messages
 * and nothing of ours in the way.
 */

/** Acks `n` messages from `queue` on a new channel; resolves with messages/s from the first ack wait. */
export async function ackAll(conn: amqp.ChannelModel, queue: string, n: number, prefetch: number): Promise<number> {
  const ch = await conn.createChannel();
  await ch.prefetch(prefetch);
  let got = 0;
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    if (n === 0) resolve();
    void ch.consume(queue, (m) => {
      if (!m) return;
      ch.ack(m);
      got += 1;
      if (got === n) resolve();
    });
  });
  const ms = performance.now() - t0;
  await ch.close();
  return (n / ms) * 1000;
}

/**
 * `bodies` published on a confirm channel (confirms awaited every 500, as the relay does) to a fresh
 * quorum queue while a plain consumer with manual acks (prefetch 20, as the services') drains it:
 * messages/s through the broker, publish and consume overlapping. The queue is deleted afterwards.
 */
export async function rawQueueRoundTrip(
  amqpUrl: string,
  bodies: readonly Buffer[],
  queue = 'bench.raw',
): Promise<number> {
  const conn = await amqp.connect(amqpUrl);
  try {
    const pub = await conn.createConfirmChannel();
    await pub.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    const t0 = performance.now();
    const drained = ackAll(conn, queue, bodies.length, 20);
    for (const [i, body] of bodies.entries()) {
      pub.sendToQueue(queue, body, { persistent: true, messageId: String(i), contentType: 'application/json' });
      if (i % 500 === 499) await pub.waitForConfirms();
    }
    await pub.waitForConfirms();
    await drained;
    const rate = bodies.length / ((performance.now() - t0) / 1000);
    await pub.deleteQueue(queue);
    return rate;
  } finally {
    await conn.close().catch(() => undefined);
  }
}
