import crypto from 'node:crypto';
import pg from 'pg';
import { BusConnection, EXCHANGE } from '@pc/bus';
import type { EventData } from '@pc/contracts';
import { createLogger } from '@pc/service-kit';
import type { Clock } from '../src/domain/scheduler';

export const logger = createLogger('scheduler-test', process.env.TEST_LOG_LEVEL ?? 'silent');

/** A clock the test moves by hand. */
export function fakeClock(start: string): Clock & { set(iso: string): void; advance(ms: number): void } {
  let t = Date.parse(start);
  return { now: () => new Date(t), set: (iso) => { t = Date.parse(iso); }, advance: (ms) => { t += ms; } };
}

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** Plays the worker side of a job over the real broker: publishes job.finished.v1 as a worker service would. */
export class FakeWorker {
  private constructor(private readonly bus: BusConnection) {}
  static async connect(amqpUrl: string): Promise<FakeWorker> { return new FakeWorker(await BusConnection.connect(amqpUrl, logger)); }

  /** Publishes one event (a given `id` replays the same message, as a broker redelivery would). */
  async finished(data: EventData<'job.finished.v1'>, id: string = crypto.randomUUID()): Promise<string> {
    const ch = await this.bus.publisherChannel();
    const envelope = {
      specversion: '1.0', id, source: 'test-worker', type: 'job.finished.v1', time: new Date().toISOString(),
      subject: data.jobId, datacontenttype: 'application/json', data,
    };
    ch.publish(EXCHANGE, 'job.finished.v1', Buffer.from(JSON.stringify(envelope)), { persistent: true, messageId: id });
    await ch.waitForConfirms();
    return id;
  }

  /** Collects every job.requested.v1 published on the vhost from now on. */
  async listenRequested(): Promise<Array<EventData<'job.requested.v1'>>> {
    const ch = await this.bus.publisherChannel();
    const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true });
    await ch.bindQueue(queue, EXCHANGE, 'job.requested.v1');
    const seen: Array<EventData<'job.requested.v1'>> = [];
    await ch.consume(queue, (msg) => { if (msg) seen.push(JSON.parse(msg.content.toString('utf8')).data); }, { noAck: true });
    return seen;
  }

  async close(): Promise<void> { await this.bus.close(); }
}

/** A plain connection to the test database, for assertions in the scheduler schema. */
export async function db(databaseUrl: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: databaseUrl, options: '-c search_path=scheduler' });
  await c.connect();
  return c;
}

export async function count(c: pg.Client, sql: string, params: unknown[] = []): Promise<number> {
  return Number((await c.query<{ n: string }>(sql, params)).rows[0]?.n ?? 0);
}
