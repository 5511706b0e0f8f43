import type pg from 'pg';
import { BusConnection, deadLetterQueue } from '@pc/bus';
import { createLogger, createPool } from '@pc/service-kit';
import { eventually, freshDatabase } from './infra';

/**
 * What the "a batch leaves what one at a time leaves" properties share: two fresh databases of one
 * service's schema (one applied one event at a time, the other in batches), opened before the
 * file's tests and closed after them, each with an optional client (a service's Prisma client) built
 * on its pool.
 */
export interface TwinDatabases<C> {
  readonly pools: [pg.Pool, pg.Pool];
  readonly clients: [C, C];
}

export function twinDatabases<C = never>(
  schema: string,
  poolSize: number,
  client?: (pool: pg.Pool) => C & { $disconnect(): Promise<void> },
): TwinDatabases<C> {
  const twin = { pools: [] as unknown as [pg.Pool, pg.Pool], clients: [] as unknown as [C, C] };
  beforeAll(async () => {
    twin.pools = [
      createPool(await freshDatabase(), schema, poolSize),
      createPool(await freshDatabase(), schema, poolSize),
    ];
    if (client) twin.clients = twin.pools.map(client) as unknown as [C, C];
  });
  afterAll(async () => {
    await Promise.all((twin.clients as unknown as { $disconnect(): Promise<void> }[]).map((c) => c.$disconnect()));
    await Promise.all(twin.pools.map((p) => p.end()));
  });
  return twin;
}

/** Waits until `queue`'s dead-letter queue holds exactly `count` messages (a poison event's end). */
export async function waitForDeadLetters(amqpUrl: string, queue: string, count: number, what: string): Promise<void> {
  const bus = await BusConnection.connect(amqpUrl, createLogger('test', 'silent'));
  try {
    await eventually(
      async () => {
        const ch = await bus.channel();
        const { messageCount } = await ch.checkQueue(deadLetterQueue(queue));
        await ch.close();
        return messageCount === count;
      },
      what,
      60_000,
    );
  } finally {
    await bus.close();
  }
}
