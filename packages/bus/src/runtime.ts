import type pg from 'pg';
import { createPool, type Logger } from '@pc/service-kit';
import { BusConnection } from './connection';
import { OutboxRelay } from './outbox';
import { consume, type Consumer, type ConsumeSpec } from './consumer';
import type { SqlTx } from './outbox';
import { migrateService } from './migrations';

export interface RuntimeOptions {
  service: string;
  schema: string;
  databaseUrl: string;
  amqpUrl: string;
  /** the service's own migrations; the bus's tables are migrated first (`migrateService`) */
  migrationsDir: string;
  logger: Logger;
  poolSize?: number;
  /**
   * Outbox relays of this process. A service that commits tens of thousands of events at once (CSV
   * import) runs several, with larger batches, so one publishes while another waits for its confirms.
   */
  relay?: { batchSize?: number; parallel?: number };
}

/** Several relays over one outbox, seen as one (SKIP LOCKED keeps them from publishing a row twice). */
export class RelayGroup {
  constructor(private readonly relays: OutboxRelay[]) {}
  start(): void {
    this.relays.forEach((r) => r.start());
  }
  kick(): void {
    this.relays.forEach((r) => r.kick());
  }
  pending(): Promise<number> {
    return this.relays[0]!.pending();
  }
  async drain(): Promise<number> {
    return (await Promise.all(this.relays.map((r) => r.drain()))).reduce((a, b) => a + b, 0);
  }
  async stop(): Promise<void> {
    await Promise.all(this.relays.map((r) => r.stop()));
  }
}

/**
 * The plumbing every service with data shares: its schema migrated (the bus's tables, then its own),
 * a pool in that schema, the bus connection, the outbox relay, and its consumers. `stop()` runs the
 * shutdown in order: stop consuming → finish in-flight handlers → flush the outbox → close broker →
 * close database.
 */
export class ServiceRuntime {
  private readonly consumers: Consumer[] = [];
  private constructor(
    readonly pool: pg.Pool,
    readonly bus: BusConnection,
    readonly relay: RelayGroup,
    private readonly logger: Logger,
  ) {}

  static async start(opts: RuntimeOptions): Promise<ServiceRuntime> {
    const pool = createPool(opts.databaseUrl, opts.schema, opts.poolSize ?? 10);
    pool.on('error', (err) => opts.logger.warn({ err: err.message }, 'idle database connection error'));
    await migrateService(pool, opts.schema, opts.migrationsDir, opts.logger);
    const bus = await BusConnection.connect(opts.amqpUrl, opts.logger);
    const relay = new RelayGroup(
      Array.from(
        { length: opts.relay?.parallel ?? 1 },
        () => new OutboxRelay(pool, bus, opts.service, opts.logger, { batchSize: opts.relay?.batchSize }),
      ),
    );
    relay.start();
    return new ServiceRuntime(pool, bus, relay, opts.logger);
  }

  /** Starts a consumer (see `consume`); by default each commit kicks the outbox relay, for the events handlers enqueued. */
  async consume<Tx extends SqlTx>(spec: ConsumeSpec<Tx>): Promise<Consumer> {
    const c = await consume(this.bus, { afterCommit: () => this.relay.kick(), ...spec }, this.logger);
    this.consumers.push(c);
    return c;
  }

  /** Readiness: the database answers and the broker connection is up. */
  readiness(): Record<string, () => Promise<void>> {
    return {
      database: async () => {
        await this.pool.query('SELECT 1');
      },
      broker: async () => {
        if (!this.bus.connected) throw new Error('broker not connected');
      },
    };
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.consumers.map((c) => c.stop()));
    await this.relay.stop();
    await this.bus.close();
    await this.pool.end();
  }
}
