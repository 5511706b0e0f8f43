import crypto from 'node:crypto';
import { deleteVhost, eventually, freshDatabase, freshVhost, TEST_INTERNAL_SECRET } from '@pc/testkit';
import { WATERMARK_PATH } from '@pc/contracts';
import {
  enqueue,
  OutboxRelay,
  pgTransact,
  ServiceRuntime,
  type CatchUpGate,
  type CatchUpGateSpec,
  type CatchUpSettings,
  type SqlTx,
  type WaitingFor,
} from '../src';
import { count, funderEvent, logger } from './fixtures/harness';

// Catch-up gates on the real database and broker: a producer ("edge", its own schema, outbox,
// relay and watermark route) and a worker ("agreements", another schema) whose queue consumes the
// producer's funder.registered.v1; work held by the worker's gates is released only once that queue
// has consumed what the producer had committed.
jest.setTimeout(180_000);

const QUEUE = 'gate-test.funders';
let databaseUrl: string;
let amqpUrl: string;
let producer: ServiceRuntime;
let worker: ServiceRuntime;
let producerUrl: string;

/** Events whose funder name starts with a held prefix wait in their handler until the prefix is released. */
const held = new Map<string, { promise: Promise<void>; release: () => void }>();
function hold(prefix: string): void {
  let release!: () => void;
  const promise = new Promise<void>((r) => (release = r));
  held.set(prefix, { promise, release });
}
const release = (prefix: string): void => held.get(prefix)?.release();

interface Decision {
  id: string;
  outcome: string;
  consumed: number;
  message: string | null;
}
const waiting = new Map<string, WaitingFor[][]>();
let gate: CatchUpGate<{ n: number }>;
let shortGate: CatchUpGate<{ n: number }>;

const settings: Partial<CatchUpSettings> = { enabled: true, pollMs: 100, reportEveryMs: 0 };

async function start(service: string, schema: string): Promise<ServiceRuntime> {
  return ServiceRuntime.start({
    service,
    schema,
    databaseUrl,
    amqpUrl,
    migrationsDir: '/nonexistent', // the bus's own tables only
    logger,
    internalSecret: TEST_INTERNAL_SECRET,
  });
}
const http = { PORT: 0, HOST: '127.0.0.1', VALIDATE_RESPONSES: false };

beforeAll(async () => {
  databaseUrl = await freshDatabase();
  amqpUrl = freshVhost();
  producer = await start('edge', 'gate_edge');
  worker = await start('agreements', 'gate_agreements');
  await worker.pool.query(
    'CREATE TABLE effect (funder text PRIMARY KEY); CREATE TABLE decided (id uuid PRIMARY KEY, outcome text, consumed int, message text)',
  );
  await worker.consume({
    queue: QUEUE,
    transact: pgTransact(worker.pool),
    maxAttempts: 2,
    retryDelayMs: 100,
    on: {
      'funder.registered.v1': async (d, tx) => {
        if (d.name.startsWith('poison')) throw new Error('this handler refuses poison');
        for (const [prefix, h] of held) if (d.name.startsWith(prefix)) await h.promise;
        await tx.$executeRawUnsafe('INSERT INTO effect (funder) VALUES ($1)', d.name);
        return 'done';
      },
    },
  });
  // What the work does once decided: records how many events the queue had consumed at that moment.
  const record = async (tx: SqlTx, id: string, outcome: string, message: string | null): Promise<void> => {
    await tx.$executeRawUnsafe(
      'INSERT INTO decided (id, outcome, consumed, message) SELECT $1::uuid, $2, count(*), $3 FROM effect',
      id,
      outcome,
      message,
    );
  };
  const spec = (name: string): CatchUpGateSpec<{ n: number }> => ({
    name,
    queues: [QUEUE],
    onCaughtUp: (tx, _r, id) => record(tx, id, 'caught_up', null),
    onWaiting: async (_tx, _r, id, w) => {
      waiting.set(id, [...(waiting.get(id) ?? []), w]);
    },
    onTimedOut: (tx, _r, id, _w, message) => record(tx, id, 'timed_out', message),
  });
  gate = worker.catchUp(spec('test'), { ...settings, timeoutMs: 120_000 });
  shortGate = worker.catchUp(spec('short'), { ...settings, timeoutMs: 2_000 });
  producerUrl = `http://127.0.0.1:${await producer.serve(http, { routes: () => undefined })}`;
  worker.peers.set('edge', producerUrl);
  await worker.serve(http, { routes: () => undefined }); // starts the gates
});
afterAll(async () => {
  for (const h of held.values()) h.release();
  await worker?.stop();
  await producer?.stop();
  deleteVhost(amqpUrl);
});

/** Commits funder.registered.v1 events in the producer's outbox (one transaction) and has them published. */
async function produce(names: string[]): Promise<void> {
  await pgTransact(producer.pool)((tx) =>
    enqueue(
      tx,
      names.map((name, i) => {
        const e = funderEvent(i);
        const id = crypto.randomUUID();
        return { ...e, subject: id, data: { ...e.data, funderId: id, name } };
      }),
    ),
  );
  producer.relay.kick();
}

/** Holds a piece of work in the worker (as a job.requested consumer would, in its transaction). */
async function submit(g: CatchUpGate<{ n: number }>): Promise<string> {
  const id = crypto.randomUUID();
  await pgTransact(worker.pool)((tx) => g.hold(tx, id, { n: 1 }));
  g.kick();
  return id;
}
const decision = async (id: string): Promise<Decision | undefined> =>
  (await worker.pool.query<Decision>('SELECT id, outcome, consumed, message FROM decided WHERE id = $1', [id])).rows[0];
const decided = (id: string): Promise<Decision> => eventually(() => decision(id), `work ${id} decided`, 60_000, 50);
const firstWaiting = (id: string): Promise<WaitingFor[]> =>
  eventually(async () => waiting.get(id)?.[0], `work ${id} reported waiting`, 60_000, 50);
const effects = (): Promise<number> => count(worker.pool, 'SELECT count(*) n FROM effect');

it('holds work until the queue has consumed every event the producer had committed, then releases it', async () => {
  hold('a-');
  await produce(['a-1', 'a-2', 'a-3', 'a-4', 'a-5']);
  const id = await submit(gate);

  expect(await firstWaiting(id)).toEqual([{ service: 'edge', queue: QUEUE, behind: 5 }]);
  expect(await decision(id)).toBeUndefined();
  const job = await worker.pool.query<{ marks: Record<string, { watermark: number }> }>(
    'SELECT marks FROM catch_up WHERE id = $1',
    [id],
  );
  const maxSeq = await count(producer.pool, 'SELECT max(seq) n FROM outbox');
  expect(job.rows[0]!.marks.edge!.watermark).toBe(maxSeq);

  release('a-');
  expect(await decided(id)).toMatchObject({ outcome: 'caught_up', consumed: 5 });
  // Each consumed message recorded who produced it, its outbox number and its type.
  const inbox = await worker.pool.query<{ source: string; seq: string; type: string }>(
    'SELECT source, seq, type FROM inbox WHERE consumer = $1 ORDER BY seq',
    [QUEUE],
  );
  const outbox = await producer.pool.query<{ seq: string }>('SELECT seq FROM outbox ORDER BY seq');
  expect(inbox.rows.map((r) => r.seq)).toEqual(outbox.rows.map((r) => r.seq));
  expect(new Set(inbox.rows.map((r) => `${r.source} ${r.type}`))).toEqual(new Set(['edge funder.registered.v1']));
});

it('does not wait for events the producer committed after the watermark was taken', async () => {
  hold('b-');
  hold('late-');
  await produce(['b-1']);
  const id = await submit(gate);
  expect(await firstWaiting(id)).toEqual([{ service: 'edge', queue: QUEUE, behind: 1 }]);
  await produce(['late-1', 'late-2']);
  release('b-');
  const d = await decided(id);
  expect(d.outcome).toBe('caught_up');
  expect(await count(worker.pool, "SELECT count(*) n FROM effect WHERE funder LIKE 'late-%'")).toBe(0);
  release('late-');
  await eventually(async () => (await effects()) === d.consumed + 2, 'the late events consumed too');
});

it('counts only above the floor the outbox purge left: purged rows neither side still holds are not compared', async () => {
  await eventually(
    async () => (await count(producer.pool, 'SELECT count(*) n FROM outbox WHERE published_at IS NULL')) === 0,
    'everything published',
  );
  // A relay whose retention is over at once purges every published row and raises the horizon.
  const purger = new OutboxRelay(producer.pool, producer.bus, 'edge', logger, { retentionMs: 0 });
  await purger.drain();
  const top = await count(producer.pool, 'SELECT purged_through n FROM outbox_horizon');
  expect(top).toBeGreaterThanOrEqual(8);
  expect(await count(producer.pool, 'SELECT count(*) n FROM outbox')).toBe(0);
  const before = await effects();

  hold('c-');
  await produce(['c-1', 'c-2', 'c-3']);
  const id = await submit(gate);
  // Counted from 0, the 8 events consumed earlier would outnumber the 3 the producer still holds.
  expect(await firstWaiting(id)).toEqual([{ service: 'edge', queue: QUEUE, behind: 3 }]);
  release('c-');
  expect(await decided(id)).toMatchObject({ outcome: 'caught_up', consumed: before + 3 });
});

it('gives up after the timeout, naming the producer, the queue and the dead letter that holds it back', async () => {
  await produce(['poison-1']);
  const id = await submit(shortGate);
  const d = await decided(id);
  expect(d.outcome).toBe('timed_out');
  expect(waiting.get(id)?.[0]).toEqual([{ service: 'edge', queue: QUEUE, behind: 1 }]);
  expect(d.message).toContain(`1 event(s) of edge (${QUEUE}, 1 dead-lettered)`);
  expect(d.message).toContain(`1 événement(s) de edge (${QUEUE}, 1 en lettres mortes)`);
  expect(d.message).toContain('pnpm dlq replay');
});

it('waits for a producer it cannot ask, and says so when it gives up', async () => {
  worker.peers.delete('edge');
  try {
    const id = await submit(shortGate);
    const d = await decided(id);
    expect(d.outcome).toBe('timed_out');
    expect(waiting.get(id)?.[0]).toEqual([{ service: 'edge', queue: QUEUE, behind: null }]);
    expect(d.message).toContain(`edge unreachable (${QUEUE}`); // (the poison above is still dead-lettered there)
  } finally {
    worker.peers.set('edge', producerUrl);
  }
});

it('answers the watermark only to a signed caller', async () => {
  const url = `${producerUrl}${WATERMARK_PATH}?types=funder.registered.v1`;
  expect((await fetch(url)).status).toBe(401);
});
