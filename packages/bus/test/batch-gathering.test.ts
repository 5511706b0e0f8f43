import type pg from 'pg';
import { eventually, freshDatabase, freshVhost, deleteVhost, publishEvents } from '@pc/testkit';
import { BusConnection, consume, type Consumer, type ConsumeSpec, type PgTx } from '../src';
import { busSchema, funderEvent, logger, pgTransact } from './fixtures/harness';

// How a batched consumer forms its batches under a burst, and that nothing a batch does can stall the next.
let pool: pg.Pool;
let amqpUrl: string;
let bus: BusConnection;
const consumers: Consumer[] = [];

beforeAll(async () => {
  amqpUrl = freshVhost();
  pool = await busSchema(await freshDatabase());
  bus = await BusConnection.connect(amqpUrl, logger);
});
afterAll(async () => {
  await Promise.all(consumers.map((c) => c.stop()));
  await bus.close();
  await pool.end();
  deleteVhost(amqpUrl);
});

async function started(spec: Omit<ConsumeSpec<PgTx>, 'transact'>): Promise<Consumer> {
  const c = await consume(bus, { ...spec, transact: pgTransact(pool) }, logger);
  consumers.push(c);
  return c;
}

const effects = async (queue: string): Promise<number> =>
  Number((await pool.query('SELECT count(*)::int AS n FROM effect WHERE consumer = $1', [queue])).rows[0].n);

const recordAll = (queue: string) => async (items: Array<{ envelope: { id: string } }>, tx: PgTx) => {
  await tx.$executeRawUnsafe(
    'INSERT INTO effect (event_id, consumer) SELECT unnest($1::text[]), $2',
    items.map((i) => i.envelope.id),
    queue,
  );
};

async function readyIn(queue: string): Promise<number> {
  const ch = await bus.channel();
  try {
    return (await ch.checkQueue(queue)).messageCount;
  } finally {
    await ch.close();
  }
}

describe('batch formation', () => {
  it('gathers the deliveries that arrive while a batch is in flight into the next batch, not one batch per window', async () => {
    const queue = 't.gather';
    const sizes: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const record = recordAll(queue);
    await started({
      queue,
      batchSize: 100,
      batchWindowMs: 10,
      onBatch: {
        'funder.registered.v1': async (items, tx) => {
          sizes.push(items.length);
          if (sizes.length === 1) await gate; // the first batch is slow: the burst arrives meanwhile
          await record(items, tx);
        },
      },
    });
    await publishEvents(amqpUrl, [funderEvent(1)]);
    await eventually(async () => sizes.length === 1, 'the first batch in flight');
    // Three waves, each far longer apart than the window: a window-only consumer makes three batches of them.
    for (let wave = 0; wave < 3; wave++) {
      await publishEvents(
        amqpUrl,
        Array.from({ length: 10 }, (_, i) => funderEvent(100 + wave * 10 + i)),
      );
      await eventually(async () => (await readyIn(queue)) === 0, `wave ${wave} delivered to the consumer`);
      await new Promise((r) => setTimeout(r, 50));
    }
    release();
    await eventually(async () => (await effects(queue)) === 31, 'every event recorded', 30_000);
    expect(sizes[0]).toBe(1);
    expect(Math.max(...sizes.slice(1))).toBeGreaterThan(10); // waves merged (a window-only consumer: [1, 10, 10, 10])
    expect(sizes.slice(1).reduce((a, b) => a + b, 0)).toBe(30);
  });

  it('keeps consuming, and acks, when a hook after a batch commit throws', async () => {
    const queue = 't.hook';
    let failures = 0;
    const consumer = await started({
      queue,
      batchSize: 10,
      batchWindowMs: 10,
      afterCommit: () => {
        if (failures++ === 0) throw new Error('the after-commit hook fails once');
      },
      onBatch: { 'funder.registered.v1': recordAll(queue) },
    });
    await publishEvents(amqpUrl, [funderEvent(200)]);
    await eventually(async () => failures > 0 && (await effects(queue)) === 1, 'the first batch committed');
    await publishEvents(amqpUrl, [funderEvent(201), funderEvent(202)]);
    await eventually(async () => (await effects(queue)) === 3, 'the next batches handled', 30_000);
    await consumer.stop(); // unacked deliveries would now return to the queue
    expect(await readyIn(queue)).toBe(0);
    expect(await effects(queue)).toBe(3);
  });
});
