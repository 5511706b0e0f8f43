import path from 'node:path';
import type pg from 'pg';
import {
  createHttpApp,
  createPool,
  keyedPseudonym,
  listen,
  peerUrls,
  type HttpAppOptions,
  type Logger,
} from '@pc/service-kit';
import { BusConnection } from './connection';
import { OutboxRelay, pgTransact, type PgTx } from './outbox';
import { consume, type Consumer, type ConsumeSpec } from './consumer';
import type { SqlTx } from './outbox';
import { migrateService } from './migrations';
import { mountWatermarkRoute } from './watermark';
import { purgeDeadLettersMentioning } from './dlq';
import { personHandlers, type PersonDataPort } from './personal-data';
import { QUEUES } from './topology';
import { CatchUpGate, jobGateSpec, type CatchUpGateSpec, type CatchUpSettings, type JobRequest } from './catch-up-gate';

export interface RuntimeOptions {
  service: string;
  schema: string;
  databaseUrl: string;
  amqpUrl: string;
  /** the service's own migrations; the bus's tables are migrated first (`migrateService`) */
  migrationsDir: string;
  logger: Logger;
  /** signs and verifies the internal calls (the watermark route, a gate asking its producers) */
  internalSecret: string;
  /** base URL of each other service, by name (for gates that ask producers for their watermark) */
  peers?: ReadonlyMap<string, string>;
  /** how gates wait (CATCH_UP_* of the config); a service without gates may leave it out */
  catchUp?: CatchUpSettings;
  poolSize?: number;
  /**
   * Outbox relays of this process. A service that commits tens of thousands of events at once (CSV
   * import) runs several, with larger batches, so one publishes while another waits for its confirms.
   */
  relay?: { batchSize?: number; parallel?: number };
}

/** What a service's composition root gives to boot: its name, its config and where its migrations are. */
export interface BootOptions extends Pick<RuntimeOptions, 'service' | 'logger' | 'poolSize' | 'relay'> {
  /** the config: database, broker and secret; the *_URL of other services and CATCH_UP_* when the service has gates */
  cfg: {
    DATABASE_URL: string;
    AMQP_URL: string;
    INTERNAL_SECRET: string;
    CATCH_UP_ENABLED?: boolean;
    CATCH_UP_TIMEOUT_SECONDS?: number;
    CATCH_UP_POLL_MS?: number;
  } & Record<string, unknown>;
  /** `__dirname` of the service's main.ts: its migrations are in ../prisma/migrations */
  srcDir: string;
  /** defaults to the service name with dashes as underscores (praxis-connector → praxis_connector) */
  schema?: string;
}

/** The HTTP side of a service: its routes; readiness, contract validation and the port come from the runtime and config. */
export interface ServeOptions extends Pick<HttpAppOptions, 'routes' | 'beforeBody' | 'internalSecret'> {
  /** more fields of the 'listening' log line */
  log?: Record<string, unknown>;
}

/** What every service's start function resolves with; a service adds its own handles (worker, runner…). */
export interface RunningService {
  port: number;
  runtime: ServiceRuntime;
  stop(): Promise<void>;
}

type Step = () => unknown;

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
  private readonly servers: Array<() => Promise<void>> = [];
  private readonly loops: Step[] = [];
  private readonly clients: Step[] = [];
  private readonly gates: Array<{ start(): void }> = [];
  /**
   * Base URL of each other service by name, from the config. Mutable on purpose: services started
   * in-process on free ports (the end-to-end tests) learn each other's URLs after they started.
   */
  readonly peers: Map<string, string>;
  private constructor(
    readonly service: string,
    readonly pool: pg.Pool,
    readonly bus: BusConnection,
    readonly relay: RelayGroup,
    private readonly logger: Logger,
    private readonly opts: Pick<RuntimeOptions, 'internalSecret' | 'peers' | 'catchUp'>,
  ) {
    this.peers = new Map(opts.peers ?? []);
  }

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
    return new ServiceRuntime(opts.service, pool, bus, relay, opts.logger, opts);
  }

  /** `start` from a service's config: the boot every composition root does. */
  static boot(opts: BootOptions): Promise<ServiceRuntime> {
    const { cfg, srcDir, schema, ...rest } = opts;
    return ServiceRuntime.start({
      ...rest,
      schema: schema ?? opts.service.replaceAll('-', '_'),
      databaseUrl: cfg.DATABASE_URL,
      amqpUrl: cfg.AMQP_URL,
      migrationsDir: path.join(srcDir, '..', 'prisma', 'migrations'),
      internalSecret: cfg.INTERNAL_SECRET,
      peers: peerUrls(cfg),
      catchUp: {
        enabled: cfg.CATCH_UP_ENABLED ?? true,
        timeoutMs: (cfg.CATCH_UP_TIMEOUT_SECONDS ?? 600) * 1000,
        pollMs: cfg.CATCH_UP_POLL_MS ?? 1000,
      },
    });
  }

  /**
   * What `stop()` must stop besides the runtime's own parts: `loops` (workers, runners, timers) right
   * after the HTTP server and before the consumers, so the work they have in flight still commits and
   * its events are flushed; `clients` (Prisma, mailers, HTTP clients) last, once nothing uses them.
   */
  stopsWith(parts: { loops?: Step[]; clients?: Step[] }): void {
    this.loops.push(...(parts.loops ?? []));
    this.clients.push(...(parts.clients ?? []));
  }

  /**
   * Serves the service's HTTP app on cfg.PORT/HOST, its readiness being this runtime's, and logs
   * '<service> listening'. Resolves with the bound port; `stop()` drains it (readiness 503) and closes it first.
   * Every service also answers the internal `GET /internal/v1/outbox/watermark` (signed callers only).
   */
  async serve(cfg: { PORT: number; HOST: string; VALIDATE_RESPONSES: boolean }, opts: ServeOptions): Promise<number> {
    const { log, routes, ...http } = opts;
    const app = createHttpApp({
      ...http,
      routes: (a) => {
        mountWatermarkRoute(a, { service: this.service, pool: this.pool, internalSecret: this.opts.internalSecret });
        routes(a);
      },
      service: this.service,
      logger: this.logger,
      readiness: this.readiness(),
      openapi: { validateResponses: cfg.VALIDATE_RESPONSES },
    });
    const server = await listen(app.app, cfg.PORT, cfg.HOST);
    this.servers.push(() => {
      app.drain();
      return server.close();
    });
    this.logger.info({ port: server.port, ...log }, `${this.service} listening`);
    // Gates start once the service is complete (its consumers say which types their queues carry).
    this.gates.forEach((g) => g.start());
    return server.port;
  }

  /**
   * A gate that holds work until this service's `spec.queues` have consumed everything their
   * producers had committed (catch-up-gate.ts); its loop starts with `serve` and stops with the runtime.
   */
  catchUp<R>(spec: CatchUpGateSpec<R>, override: Partial<CatchUpSettings> = {}): CatchUpGate<R> {
    const settings = { ...(this.opts.catchUp ?? { enabled: true, timeoutMs: 600_000, pollMs: 1000 }), ...override };
    const gate = new CatchUpGate<R>(
      {
        service: this.service,
        pool: this.pool,
        bus: this.bus,
        logger: this.logger,
        internalSecret: this.opts.internalSecret,
        peers: this.peers,
        consumers: () => this.consumers,
      },
      { ...spec, afterCommit: spec.afterCommit ?? (() => this.relay.kick()) },
      settings,
    );
    this.gates.push(gate);
    this.loops.push(() => gate.stop());
    return gate;
  }

  /** The gate of a job worker (`jobGateSpec`): job.finished waiting while it waits, failed when it gives up. */
  jobGate(
    spec: Pick<CatchUpGateSpec<JobRequest>, 'name' | 'queues' | 'onCaughtUp' | 'afterCommit'>,
  ): CatchUpGate<JobRequest> {
    return this.catchUp(jobGateSpec(this.service, spec));
  }

  /** Starts a consumer (see `consume`); by default each commit kicks the outbox relay, for the events handlers enqueued. */
  async consume<Tx extends SqlTx>(spec: ConsumeSpec<Tx>): Promise<Consumer> {
    const c = await consume(this.bus, { afterCommit: () => this.relay.kick(), ...spec }, this.logger);
    this.consumers.push(c);
    return c;
  }

  /**
   * Law 25: removes the dead letters that mention one of `needles` (an email) from the DLQs of this
   * service's queues (`QUEUES` named `<service>.…`, the only ones its broker user may read).
   */
  purgeDeadLetters(needles: string[]): Promise<number> {
    const own = Object.values(QUEUES).filter((q) => q.startsWith(`${this.service}.`));
    return purgeDeadLettersMentioning(this.bus, own, needles);
  }

  /**
   * Law 25: the service's `<service>.people` queue. Requests are answered under this service's name,
   * the one its outbox publishes as the envelope's source (which the edge checks), people are named
   * by their keyed pseudonym, and an erasure purges this service's own dead letters too.
   */
  consumePeople(spec: { queue: string; port: PersonDataPort<PgTx>; pseudonymKey: string }): Promise<Consumer>;
  consumePeople<Tx extends SqlTx>(spec: {
    queue: string;
    port: PersonDataPort<Tx>;
    pseudonymKey: string;
    transact: ConsumeSpec<Tx>['transact'];
  }): Promise<Consumer>;
  consumePeople(spec: {
    queue: string;
    port: PersonDataPort<SqlTx>;
    pseudonymKey: string;
    transact?: ConsumeSpec<SqlTx>['transact'];
  }): Promise<Consumer> {
    return this.consume({
      queue: spec.queue,
      transact: spec.transact ?? (pgTransact(this.pool) as ConsumeSpec<SqlTx>['transact']),
      on: personHandlers(
        this.service,
        spec.port,
        (e) => keyedPseudonym(spec.pseudonymKey, e),
        (values) => this.purgeDeadLetters(values),
      ),
    });
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

  /** HTTP servers → loops → consumers → outbox relay → broker → pool → clients (see `stopsWith`). */
  async stop(): Promise<void> {
    for (const close of this.servers) await close();
    for (const stop of this.loops) await stop();
    await Promise.allSettled(this.consumers.map((c) => c.stop()));
    await this.relay.stop();
    await this.bus.close();
    await this.pool.end();
    for (const close of this.clients) await close();
  }
}
