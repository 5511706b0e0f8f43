import { fork } from 'node:child_process';
import path from 'node:path';
import type pg from 'pg';
import { metrics } from '@pc/service-kit';
import { eventually, freshDatabase, freshVhost, deleteVhost, isAlive } from '@pc/testkit';
import { BusConnection, enqueue, listDeadLetters, OutboxRelay, replayDeadLetters, startConsumer, type Consumer } from '../src';
import { busSchema, count, funderEvent, logger, pgTransact } from './fixtures/harness';

let databaseUrl: string;
let amqpUrl: string;
let pool: pg.Pool;
let bus: BusConnection;
let relay: OutboxRelay;
const consumers: Consumer[] = [];

beforeAll(async () => {
  databaseUrl = await freshDatabase();
  amqpUrl = freshVhost();
  pool = await busSchema(databaseUrl);
  bus = await BusConnection.connect(amqpUrl, logger);
  relay = new OutboxRelay(pool, bus, 'bus-test', logger, { pollMs: 50 });
});
afterAll(async () => {
  await Promise.all(consumers.map((c) => c.stop()));
  await relay.stop();
  await bus.close();
  await pool.end();
  deleteVhost(amqpUrl);
});

async function consumerCountingEffects(queue: string, opts: { fail?: (id: string) => boolean; maxAttempts?: number; batchSize?: number } = {}): Promise<Consumer> {
  const c = await startConsumer(bus, {
    queue, events: ['funder.registered.v1'], transact: pgTransact(pool), maxAttempts: opts.maxAttempts, retryDelayMs: 100, batchSize: opts.batchSize,
    handle: async (event, tx) => {
      if (opts.fail?.(event.subject ?? '')) throw new Error('handler refuses');
      await tx.$executeRawUnsafe('INSERT INTO effect (event_id, consumer) VALUES ($1, $2)', event.id, queue);
      return 'done';
    },
  }, logger);
  consumers.push(c);
  return c;
}

async function publish(events: ReturnType<typeof funderEvent>[]): Promise<string[]> {
  const ids = await pgTransact(pool)((tx) => enqueue(tx, events));
  await relay.drain();
  return ids;
}

describe('event bus on the real broker', () => {
  it('publishes with confirms through the outbox and a consumer applies each event once', async () => {
    const c = await consumerCountingEffects('t.basic');
    const ids = await publish([funderEvent(1), funderEvent(2), funderEvent(3)]);
    await eventually(async () => (await count(pool, "SELECT count(*) n FROM effect WHERE consumer = 't.basic'")) === 3, '3 effects');
    expect(await count(pool, 'SELECT count(*) n FROM outbox WHERE published_at IS NULL AND id = ANY($1)', [ids])).toBe(0);
    await c.stop();
  });

  it('rolls back: an event written in a failed transaction is never published', async () => {
    await consumerCountingEffects('t.rollback');
    await expect(pgTransact(pool)(async (tx) => {
      await enqueue(tx, [funderEvent(10)]);
      throw new Error('business rule failed after the write');
    })).rejects.toThrow('business rule failed');
    expect(await count(pool, "SELECT count(*) n FROM outbox WHERE subject = $1", [funderEvent(10).subject])).toBe(0);
    await publish([funderEvent(11)]); // a later event proves the consumer is live, and 10 never came
    await eventually(async () => (await count(pool, "SELECT count(*) n FROM effect WHERE consumer = 't.rollback'")) === 1, 'event 11');
    expect(await count(pool, "SELECT count(*) n FROM effect WHERE consumer = 't.rollback'")).toBe(1);
  });

  it('refuses to enqueue a payload that breaks the catalog, writing nothing', async () => {
    const bad = { ...funderEvent(12), data: { ...funderEvent(12).data, kind: 'bank' } } as unknown as ReturnType<typeof funderEvent>;
    await expect(pgTransact(pool)((tx) => enqueue(tx, [bad]))).rejects.toThrow(/kind/);
    expect(await count(pool, 'SELECT count(*) n FROM outbox WHERE subject = $1', [bad.subject])).toBe(0);
  });

  it('absorbs a relay that died after the broker confirmed but before marking the rows (republished duplicate)', async () => {
    const queue = 't.relay-crash';
    await consumerCountingEffects(queue);
    const [id] = await publish([funderEvent(20)]);
    await eventually(async () => (await count(pool, 'SELECT count(*) n FROM effect WHERE event_id = $1 AND consumer = $2', [id, queue])) === 1, 'first delivery');
    const before = await metrics.consumed.get();
    const dupBefore = before.values.find((v) => v.labels.consumer === 't.relay-crash' && v.labels.result === 'duplicate')?.value ?? 0;
    // As if the relay crashed between the confirm and its UPDATE: the row is still pending.
    await pool.query('UPDATE outbox SET published_at = NULL WHERE id = $1', [id]);
    expect(await relay.drain()).toBeGreaterThanOrEqual(1);
    await eventually(async () => {
      const m = await metrics.consumed.get();
      return (m.values.find((v) => v.labels.consumer === 't.relay-crash' && v.labels.result === 'duplicate')?.value ?? 0) > dupBefore;
    }, 'duplicate seen by the inbox');
    expect(await count(pool, 'SELECT count(*) n FROM effect WHERE event_id = $1 AND consumer = $2', [id, queue])).toBe(1);
  });

  it('redelivers to another consumer when one is killed before its ack, and the effect is applied once', async () => {
    const queue = 't.killed';
    const child = fork(path.join(__dirname, 'fixtures', 'consumer-child.ts'), [], {
      execArgv: ['--import', 'tsx'], env: { ...process.env, DATABASE_URL: databaseUrl, AMQP_URL: amqpUrl, QUEUE: queue }, stdio: 'ignore',
    });
    await new Promise<void>((resolve, reject) => { child.once('message', () => resolve()); child.once('exit', () => reject(new Error('child died early'))); });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    const [id] = await publish([funderEvent(30)]);
    expect(await exited).toBe('SIGKILL');
    expect(isAlive(child.pid!)).toBe(false); // the consumer that held the message is really gone
    expect(await count(pool, 'SELECT count(*) n FROM effect WHERE event_id = $1 AND consumer = $2', [id, queue])).toBe(1); // committed before the kill
    await consumerCountingEffects(queue); // a healthy replica takes over the unacked message
    await eventually(async () => (await bus.channel().then(async (ch) => {
      const q = await ch.checkQueue(queue); await ch.close(); return q.messageCount === 0;
    })), 'queue drained');
    await eventually(async () => {
      const m = await metrics.consumed.get();
      return (m.values.find((v) => v.labels.consumer === queue && v.labels.result === 'duplicate')?.value ?? 0) >= 1;
    }, 'redelivery absorbed by the inbox');
    expect(await count(pool, 'SELECT count(*) n FROM effect WHERE event_id = $1 AND consumer = $2', [id, queue])).toBe(1);
  });

  it('retries a failing handler the configured number of times, dead-letters it, and replays it on demand', async () => {
    let attempts = 0;
    let healthy = false;
    const queue = 't.poison';
    await consumerCountingEffects(queue, { maxAttempts: 3, fail: () => { if (healthy) return false; attempts += 1; return true; } });
    const [id] = await publish([funderEvent(40)]);
    await eventually(async () => (await listDeadLetters(bus, [queue]))[0]?.deadLetters === 1, 'message in the DLQ');
    expect(attempts).toBe(3);
    expect(await count(pool, 'SELECT count(*) n FROM effect WHERE event_id = $1 AND consumer = $2', [id, queue])).toBe(0);
    healthy = true; // the operator fixed the cause, then replays
    expect(await replayDeadLetters(bus, queue)).toBe(1);
    await eventually(async () => (await count(pool, 'SELECT count(*) n FROM effect WHERE event_id = $1 AND consumer = $2', [id, queue])) === 1, 'replayed effect');
    expect((await listDeadLetters(bus, [queue]))[0]?.deadLetters).toBe(0);
  });

  it('dead-letters a malformed message at once instead of retrying it', async () => {
    const queue = 't.malformed';
    await consumerCountingEffects(queue);
    const ch = await bus.channel();
    ch.publish('pc.events', 'funder.registered.v1', Buffer.from('{not json'), { persistent: true, messageId: 'garbage-1' });
    await ch.waitForConfirms();
    await ch.close();
    await eventually(async () => (await listDeadLetters(bus, [queue]))[0]?.deadLetters === 1, 'malformed message dead-lettered');
  });

  it('handles batches in one transaction each, once per event, and isolates a failing event of a batch', async () => {
    const queue = 't.batched';
    const poison = funderEvent(777).subject;
    await consumerCountingEffects(queue, { batchSize: 50, maxAttempts: 2, fail: (subject) => subject === poison });
    const events = Array.from({ length: 500 }, (_, i) => funderEvent(600 + i)); // includes 777
    await publish(events);
    await eventually(async () => (await count(pool, 'SELECT count(*) n FROM effect WHERE consumer = $1', [queue])) === 499, '499 effects');
    await eventually(async () => (await listDeadLetters(bus, [queue]))[0]?.deadLetters === 1, 'the failing event alone in the DLQ');
    expect(await count(pool, 'SELECT count(DISTINCT event_id) n FROM effect WHERE consumer = $1', [queue])).toBe(499);
  });

  it('resubscribes when the broker cancels it (queue deleted under it) and keeps consuming', async () => {
    const queue = 't.cancelled';
    await consumerCountingEffects(queue);
    await publish([funderEvent(900)]);
    await eventually(async () => (await count(pool, 'SELECT count(*) n FROM effect WHERE consumer = $1', [queue])) === 1, 'first effect');
    const ch = await bus.channel();
    await ch.deleteQueue(queue); // the broker sends basic.cancel to the consumer; amqplib's recovery does not cover it
    await ch.close();
    await eventually(async () => {
      const c = await bus.channel();
      c.on('error', () => undefined);
      try { return (await c.checkQueue(queue)).consumerCount === 1; } catch { return false; } finally { await c.close().catch(() => undefined); }
    }, 'queue declared again and consumed', 20_000);
    await publish([funderEvent(901)]);
    await eventually(async () => (await count(pool, 'SELECT count(*) n FROM effect WHERE consumer = $1', [queue])) === 2, 'effect after resubscribing', 20_000);
  });

  it('deletes published outbox rows after the retention and keeps unpublished ones', async () => {
    const [oldId, pendingId] = await pgTransact(pool)((tx) => enqueue(tx, [funderEvent(950), funderEvent(951)]));
    await pool.query(`UPDATE outbox SET published_at = now() - interval '2 days' WHERE id = $1`, [oldId]);
    await pool.query(`UPDATE outbox SET created_at = now() + interval '1 day' WHERE id = $1`, [pendingId]); // keep it pending for this check
    const purger = new OutboxRelay(pool, bus, 'purge-test', logger, { batchSize: 1 });
    const client = await pool.connect(); // hold the pending row so this relay cannot publish it
    await client.query('BEGIN');
    await client.query('SELECT 1 FROM outbox WHERE id = $1 FOR UPDATE', [pendingId]);
    await purger.drain();
    await client.query('ROLLBACK');
    client.release();
    expect(await count(pool, 'SELECT count(*) n FROM outbox WHERE id = $1', [oldId])).toBe(0);
    expect(await count(pool, 'SELECT count(*) n FROM outbox WHERE id = $1', [pendingId])).toBe(1);
  });
});
