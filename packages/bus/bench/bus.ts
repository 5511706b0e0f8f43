/**
 * Events/s through outbox → RabbitMQ (confirm channel) → inbox consumer, beside the raw amqplib
 * confirm-channel publish + consume rate of the same number of messages, measured in the same run.
 *   pnpm bench bus [events=20000]
 */
import { benchEnv, rawQueueRoundTrip } from '@pc/testkit';
import { createLogger } from '@pc/service-kit';
import { BusConnection, consume, enqueue, eventMessage, OutboxRelay } from '../src';
import { busSchema, funderEvent, pgTransact } from '../test/fixtures/harness';

const N = Number(process.argv[2] ?? 20_000);
const logger = createLogger('bench', 'silent');

async function throughOutbox(
  databaseUrl: string,
  amqpUrl: string,
  batchSize: number,
): Promise<{ rate: number; publishRate: number }> {
  const pool = await busSchema(databaseUrl, `bench_b${batchSize}`);
  const bus = await BusConnection.connect(amqpUrl, logger);
  const relay = new OutboxRelay(pool, bus, 'bench', logger, { pollMs: 20 });
  const consumer = await consume(
    bus,
    {
      queue: `bench.outbox.b${batchSize}`,
      transact: pgTransact(pool),
      prefetch: 20,
      batchSize,
      on: {
        'funder.registered.v1': async (_data, tx, event) => {
          await tx.$executeRawUnsafe('INSERT INTO effect (event_id, consumer) VALUES ($1, $2)', event.id, 'bench');
          return 'done';
        },
      },
    },
    logger,
  );
  const t0 = performance.now();
  relay.start();
  for (let i = 0; i < N; i += 1000) {
    await pgTransact(pool)((tx) =>
      enqueue(
        tx,
        Array.from({ length: Math.min(1000, N - i) }, (_, k) => funderEvent(i + k)),
      ),
    );
    relay.kick();
  }
  await relay.stop(60_000);
  const published = performance.now();
  // afterCommit fires once per transaction (per batch), so completion is read from the effects.
  while (Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM effect')).rows[0]?.n) < N)
    await new Promise((r) => setTimeout(r, 20));
  const secs = (performance.now() - t0) / 1000;
  await consumer.stop();
  await bus.close();
  await pool.end();
  return { rate: N / secs, publishRate: N / ((published - t0) / 1000) };
}

async function main(): Promise<void> {
  const env = await benchEnv();
  try {
    const sample = eventMessage({
      id: crypto.randomUUID(),
      type: 'funder.registered.v1',
      data: funderEvent(1).data,
      time: new Date(),
      source: 'bench',
    }).content;
    const rawRate = await rawQueueRoundTrip(
      env.amqpUrl,
      Array.from({ length: N }, () => sample),
    );
    console.log(`events: ${N}, message size ≈ ${sample.length} B`);
    console.log(
      `raw amqplib confirm publish (confirm every 500) + consume (quorum, prefetch 20): ${rawRate.toFixed(0)} msg/s`,
    );
    for (const batchSize of [1, 100]) {
      const ours = await throughOutbox(env.databaseUrl, env.amqpUrl, batchSize);
      const how =
        batchSize === 1 ? 'one transaction per event' : `batches of up to ${batchSize} events per transaction`;
      console.log(
        `outbox → relay (confirms) → consumer (inbox + effect, ${how}): ${ours.rate.toFixed(0)} events/s end to end, ratio to raw ${(ours.rate / rawRate).toFixed(2)}`,
      );
      console.log(`  of which outbox → broker alone: ${ours.publishRate.toFixed(0)} events/s`);
    }
  } finally {
    await env.cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
