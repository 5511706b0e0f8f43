import {
  pgTransact,
  QUEUES,
  ServiceRuntime,
  singleFlight,
  type RunningService as Running,
  type SingleFlight,
  type SqlTx,
} from '@pc/bus';
import { createLogger, type Logger, personPseudonymKey, runService } from '@pc/service-kit';
import { loadNotifierConfig, type NotifierConfig } from './config';
import { createPrisma, type Tx } from './adapters/prisma';
import { createSmtpMailer, type Mailer } from './adapters/mailer';
import { directoryHandlers } from './consumers/directory';
import { startPeopleConsumer } from './consumers/people';
import { reminderHandlers } from './consumers/reminders';
import { parseSendWindow } from './domain/send-window';
import { mountRoutes } from './http/routes';
import { digestCompletedRuns } from './use-cases/digest-completed-runs';
import { sendDigests, type DeliveryHooks } from './use-cases/send-digests';

export interface RunningService extends Running {
  /** the delivery loop: kick() sends now, stop() waits for the messages in flight to be recorded */
  worker: SingleFlight;
}

export interface NotifierOptions {
  /** the time the worker and the send window see (tests move it) */
  clock?: () => Date;
  hooks?: DeliveryHooks;
  mailer?: Mailer;
}

/** Domain of the deterministic Message-IDs: the sender's. */
export function messageDomain(mailFrom: string): string {
  return /@([^>\s]+)>?\s*$/.exec(mailFrom)?.[1] ?? 'praxis-conformite.local';
}

/** Composition root of the notifier service. */
export async function startNotifier(
  cfg: NotifierConfig,
  logger: Logger = createLogger('notifier', cfg.LOG_LEVEL),
  opts: NotifierOptions = {},
): Promise<RunningService> {
  const clock = opts.clock ?? (() => new Date());
  const runtime = await ServiceRuntime.boot({ service: 'notifier', cfg, srcDir: __dirname, logger, poolSize: 20 });
  const prisma = createPrisma(runtime.pool);
  // maxWait: under a burst of stages, handlers queue for a connection rather than fail and retry.
  const transact = <T>(fn: (tx: Tx) => Promise<T>): Promise<T> =>
    prisma.$transaction(fn, { timeout: 60_000, maxWait: 30_000 });
  const mailer = opts.mailer ?? createSmtpMailer(cfg.SMTP_URL, cfg.SMTP_POOL_SIZE);
  const digestDeps = { messageDomain: messageDomain(cfg.MAIL_FROM), clock };
  const sendDeps = {
    pool: runtime.pool,
    mailer,
    clock,
    logger,
    kickRelay: () => runtime.relay.kick(),
    hooks: opts.hooks,
    stopped: () => worker.stopped,
    opts: {
      from: cfg.MAIL_FROM,
      publicBaseUrl: cfg.PUBLIC_BASE_URL,
      window: cfg.REMINDER_SEND_WINDOW ? parseSendWindow(cfg.REMINDER_SEND_WINDOW) : null,
      leaseMs: cfg.REMINDER_LEASE_MS,
      retryBaseMs: cfg.REMINDER_RETRY_BASE_MS,
      retryMaxMs: cfg.REMINDER_RETRY_MAX_MS,
      maxAttempts: cfg.REMINDER_MAX_ATTEMPTS,
      batch: cfg.REMINDER_BATCH,
      // more sends in flight than SMTP connections, so recording one overlaps sending the next
      concurrency: cfg.SMTP_POOL_SIZE * 4,
    },
  };
  // The delivery loop, on a timer (the sweeper: retries with backoff, send-window openings, expired
  // leases, runs completed in a race) and on kick() after each commit of the reminders consumer.
  const worker = singleFlight(
    async () => {
      await digestCompletedRuns(pgTransact(runtime.pool), digestDeps);
      await sendDigests(sendDeps);
    },
    (err) => logger.warn({ err: (err as Error).message }, 'delivery pass failed; will retry'),
  );

  await runtime.consume<Tx>({ queue: QUEUES.notifierDirectory, transact, prefetch: 4, on: directoryHandlers });
  // Plain pg transactions here: thousands of stages per run, and Prisma's interactive transactions
  // cost several times the two or three statements each stage needs.
  await runtime.consume<SqlTx>({
    queue: QUEUES.notifierReminders,
    transact: pgTransact(runtime.pool),
    on: reminderHandlers(digestDeps),
    afterCommit: () => {
      runtime.relay.kick();
      worker.kick();
    },
    prefetch: 12,
  });
  await startPeopleConsumer(runtime, personPseudonymKey(cfg));
  worker.start(cfg.REMINDER_SWEEP_MS);

  runtime.stopsWith({ loops: [() => worker.stop()], clients: [() => mailer.close(), () => prisma.$disconnect()] });
  const port = await runtime.serve(cfg, {
    internalSecret: cfg.INTERNAL_SECRET,
    routes: (app) => mountRoutes(app, prisma),
  });
  return { port, runtime, worker, stop: () => runtime.stop() };
}

if (require.main === module) runService('notifier', () => loadNotifierConfig(), startNotifier);
