import { execFileSync } from 'node:child_process';
import type pg from 'pg';
import { eventually, freshDatabase, freshVhost, deleteVhost } from '@pc/testkit';
import { BusConnection, consume, enqueue, OutboxRelay, type Consumer } from '../src';
import { busSchema, count, funderEvent, logger, pgTransact } from './fixtures/harness';

// Serial pass only (it stops the broker every other test uses).
let pool: pg.Pool;
let amqpUrl: string;
let bus: BusConnection;
let relay: OutboxRelay;
let consumer: Consumer;

beforeAll(async () => {
  const databaseUrl = await freshDatabase();
  amqpUrl = freshVhost();
  pool = await busSchema(databaseUrl);
  bus = await BusConnection.connect(amqpUrl, logger);
  relay = new OutboxRelay(pool, bus, 'chaos', logger, { pollMs: 50, batchSize: 50 });
  relay.start();
  consumer = await consume(
    bus,
    {
      queue: 't.chaos',
      transact: pgTransact(pool),
      prefetch: 10,
      retryDelayMs: 100,
      on: {
        'funder.registered.v1': async (_data, tx, event) => {
          await new Promise((r) => setTimeout(r, 2)); // keep work in flight while the broker goes away
          await tx.$executeRawUnsafe('INSERT INTO effect (event_id, consumer) VALUES ($1, $2)', event.id, 't.chaos');
          return 'done';
        },
      },
    },
    logger,
  );
});
afterAll(async () => {
  try {
    execFileSync('rabbitmqctl', ['-q', 'start_app']);
  } catch {
    /* already up */
  }
  await consumer.stop();
  await relay.stop();
  await bus.close();
  await pool.end();
  deleteVhost(amqpUrl);
});

it('applies 1,000 events exactly once across a broker restart, and keeps working after it', async () => {
  const writer = (async () => {
    for (let batch = 0; batch < 20; batch += 1) {
      await pgTransact(pool)((tx) =>
        enqueue(
          tx,
          Array.from({ length: 50 }, (_, i) => funderEvent(batch * 50 + i)),
        ),
      );
      await new Promise((r) => setTimeout(r, 40));
    }
  })();
  await eventually(
    async () => (await count(pool, 'SELECT count(*) n FROM effect')) >= 150,
    'some progress before the restart',
    30_000,
  );
  execFileSync('rabbitmqctl', ['-q', 'stop_app']);
  await new Promise((r) => setTimeout(r, 1500));
  execFileSync('rabbitmqctl', ['-q', 'start_app']);
  await writer;
  await eventually(
    async () => (await count(pool, 'SELECT count(DISTINCT event_id) n FROM effect')) === 1000,
    'all 1,000 effects',
    90_000,
    200,
  );
  expect(await count(pool, 'SELECT count(*) n FROM effect')).toBe(1000); // none twice
  expect(await count(pool, 'SELECT count(*) n FROM outbox WHERE published_at IS NULL')).toBe(0);
  // Nothing was left dead: the same relay and consumer handle a new event.
  await pgTransact(pool)((tx) => enqueue(tx, [funderEvent(5000)]));
  await eventually(
    async () => (await count(pool, 'SELECT count(*) n FROM effect')) === 1001,
    'an event after the restart',
    30_000,
  );
}, 180_000);
