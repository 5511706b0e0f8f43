import amqp, { type ChannelModel, type ConfirmChannel, type RecoveringChannelModel } from 'amqplib';
import type { Logger } from '@pc/service-kit';

type Setup = (model: ChannelModel) => Promise<void>;

/**
 * One AMQP connection per process, with amqplib's built-in recovery. Channels, topology and
 * consumers belong to *setups*, re-run after every reconnect (recovery is per connection only).
 */
export class BusConnection {
  private model: ChannelModel | null = null;
  private readonly setups: Setup[] = [];
  private publisher: ConfirmChannel | null = null;
  private waiters: Array<() => void> = [];
  private closed = false;

  private constructor(
    private readonly conn: RecoveringChannelModel,
    private readonly logger: Logger,
  ) {}

  static async connect(url: string, logger: Logger, opts: { initialMaxRetries?: number } = {}): Promise<BusConnection> {
    // The setup hook runs on every (re)connect, including the first, before `bus` exists.
    const ref: { bus?: BusConnection } = {};
    const conn = await amqp.connect(url, {
      recovery: {
        initialDelay: 200,
        maxDelay: 5000,
        initialMaxRetries: opts.initialMaxRetries ?? 10,
        maxRetries: Infinity,
        waitForConnect: false,
        setup: async (model: ChannelModel) => {
          if (ref.bus) await ref.bus.onConnected(model);
        },
      },
    });
    const bus = new BusConnection(conn, logger);
    ref.bus = bus;
    conn.on('error', (err: Error) => logger.warn({ err }, 'amqp connection error'));
    conn.on('handler-error', (err: Error) => logger.warn({ err }, 'amqp handler error'));
    conn.on('disconnect', (err: Error) => {
      bus.model = null;
      bus.publisher = null;
      logger.warn({ err: err?.message }, 'amqp disconnected');
    });
    conn.on('reconnect-scheduled', (i: { attempt: number; delay: number }) =>
      logger.info(i, 'amqp reconnect scheduled'),
    );
    await conn.waitForConnect();
    return bus;
  }

  private async onConnected(model: ChannelModel): Promise<void> {
    model.on('error', (err: Error) => this.logger.warn({ err }, 'amqp model error'));
    const pub = await model.createConfirmChannel();
    pub.on('error', (err: Error) => this.logger.warn({ err }, 'publisher channel error'));
    pub.on('close', () => {
      if (this.publisher === pub) this.publisher = null;
    });
    this.publisher = pub;
    this.model = model;
    for (const setup of this.setups) await setup(model);
    this.logger.info('amqp connected');
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((w) => w());
  }

  /** Registers a setup: run now if connected, and again after every reconnect. */
  async addSetup(setup: Setup): Promise<void> {
    this.setups.push(setup);
    if (this.model) await setup(this.model);
  }

  get connected(): boolean {
    return this.model !== null && this.publisher !== null;
  }

  /** The current publisher confirm channel; waits (bounded) for a reconnect. */
  async publisherChannel(timeoutMs = 10_000): Promise<ConfirmChannel> {
    if (this.publisher) return this.publisher;
    if (this.closed) throw new Error('bus closed');
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('broker unavailable')), timeoutMs);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
    if (!this.publisher) throw new Error('broker unavailable');
    return this.publisher;
  }

  /** A fresh channel on the current connection, for tools (DLQ replay, tests). */
  async channel(): Promise<ConfirmChannel> {
    return this.conn.createConfirmChannel();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.conn.close().catch(() => undefined);
  }
}

/** Rejects when `p` takes longer than `ms` (a publisher confirm can hang forever when the broker drops the channel mid-wait). */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<T>((_, reject) => {
      t = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    }),
  ]);
}
