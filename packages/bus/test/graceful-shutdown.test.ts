import type pg from 'pg';
import { deleteVhost, eventually, freshDatabase, freshVhost, isAlive } from '@pc/testkit';
import { BusConnection, enqueue, OutboxRelay } from '../src';
import { busSchema, count, forkConsumer, funderEvent, logger, pgTransact } from './fixtures/harness';

let pool: pg.Pool;
let databaseUrl: string;
let amqpUrl: string;

beforeAll(async () => {
  databaseUrl = await freshDatabase();
  amqpUrl = freshVhost();
  pool = await busSchema(databaseUrl);
});
afterAll(async () => {
  await pool.end();
  deleteVhost(amqpUrl);
});

it('on SIGTERM finishes the in-flight handler, acks it, flushes the outbox and exits 0', async () => {
  const queue = 't.graceful';
  const child = forkConsumer('graceful-child.ts', { DATABASE_URL: databaseUrl, AMQP_URL: amqpUrl, QUEUE: queue });
  const messages: string[] = [];
  child.on('message', (m) => messages.push(String(m)));
  await eventually(async () => messages.includes('ready'), 'child ready');
  const bus = await BusConnection.connect(amqpUrl, logger);
  const relay = new OutboxRelay(pool, bus, 'test', logger);
  const [id] = await pgTransact(pool)((tx) => enqueue(tx, [funderEvent(1)]));
  await relay.drain();
  await eventually(async () => messages.includes('in-flight'), 'handler in flight');
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  expect(await exit).toBe(0);
  expect(isAlive(child.pid!)).toBe(false);
  expect(await count(pool, 'SELECT count(*) n FROM effect WHERE event_id = $1', [id])).toBe(1);
  // Acked: nothing left in the queue for the next replica.
  const ch = await bus.channel();
  expect((await ch.checkQueue(queue)).messageCount).toBe(0);
  await ch.close();
  // The event the handler caused was published by the shutdown flush.
  expect(await count(pool, 'SELECT count(*) n FROM outbox WHERE published_at IS NULL')).toBe(0);
  await bus.close();
}, 60_000);
