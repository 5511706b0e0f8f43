import crypto from 'node:crypto';
import pg from 'pg';
import type { EventData } from '@pc/contracts';
import { createLogger } from '@pc/service-kit';
import { eventPublisher, tapEvents, type EventPublisher, type EventTap } from '@pc/testkit';
import type { Clock } from '../src/domain/ports';

export const logger = createLogger('scheduler-test', process.env.TEST_LOG_LEVEL ?? 'silent');

/** A clock the test moves by hand. */
export function fakeClock(start: string): Clock & { set(iso: string): void; advance(ms: number): void } {
  let t = Date.parse(start);
  return {
    now: () => new Date(t),
    set: (iso) => {
      t = Date.parse(iso);
    },
    advance: (ms) => {
      t += ms;
    },
  };
}

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** Plays the worker side of a job over the real broker: publishes job.finished.v1 as a worker service would. */
export class FakeWorker {
  private readonly taps: Array<EventTap<'job.requested.v1'>> = [];
  private constructor(
    private readonly amqpUrl: string,
    private readonly publisher: EventPublisher,
  ) {}
  static async connect(amqpUrl: string): Promise<FakeWorker> {
    return new FakeWorker(amqpUrl, await eventPublisher(amqpUrl));
  }

  /** Publishes one event (a given `id` replays the same message, as a broker redelivery would). */
  async finished(data: EventData<'job.finished.v1'>, id: string = crypto.randomUUID()): Promise<string> {
    await this.publisher.publish([{ type: 'job.finished.v1', data, id, subject: data.jobId, source: 'test-worker' }]);
    return id;
  }

  /** Collects every job.requested.v1 published on the vhost from now on. */
  async listenRequested(): Promise<EventTap<'job.requested.v1'>> {
    const tap = await tapEvents(this.amqpUrl, 'job.requested.v1');
    this.taps.push(tap);
    return tap;
  }

  async close(): Promise<void> {
    await Promise.all(this.taps.map((t) => t.close()));
    await this.publisher.close();
  }
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
