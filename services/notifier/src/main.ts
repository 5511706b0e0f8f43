import path from 'node:path';
import { pgTransact, QUEUES, ServiceRuntime } from '@pc/bus';
import { createHttpApp, createLogger, listen, type Logger, runService } from '@pc/service-kit';
import { loadNotifierConfig, type NotifierConfig } from './config';
import { createPrisma, type Tx } from './adapters/prisma';
import { createSmtpMailer, type Mailer } from './adapters/mailer';
import { recordAgreementContacts, recordFunder, recordProgramme } from './consumers/directory';
import { buildDigests, closeRun, completeRuns, recordReminderStage, type SqlTx } from './consumers/reminders';
import { DeliveryWorker, type DeliveryHooks } from './delivery/worker';
import { parseSendWindow } from './domain/send-window';
import { mountRoutes } from './http/routes';

export interface RunningService { port: number; runtime: ServiceRuntime; worker: DeliveryWorker; stop(): Promise<void> }

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
export async function startNotifier(cfg: NotifierConfig, logger: Logger = createLogger('notifier', cfg.LOG_LEVEL), opts: NotifierOptions = {}): Promise<RunningService> {
  const clock = opts.clock ?? (() => new Date());
  const runtime = await ServiceRuntime.start({
    service: 'notifier', schema: 'notifier', databaseUrl: cfg.DATABASE_URL, amqpUrl: cfg.AMQP_URL,
    migrationsDir: path.join(__dirname, '..', 'prisma', 'migrations'), logger, poolSize: 20,
  });
  const prisma = createPrisma(runtime.pool);
  // maxWait: under a burst of stages, handlers queue for a connection rather than fail and retry.
  const transact = <T>(fn: (tx: Tx) => Promise<T>): Promise<T> => prisma.$transaction(fn, { timeout: 60_000, maxWait: 30_000 });
  const mailer = opts.mailer ?? createSmtpMailer(cfg.SMTP_URL, cfg.SMTP_POOL_SIZE);
  const reminderDeps = { messageDomain: messageDomain(cfg.MAIL_FROM), clock };
  // The sweeper's share of run closing: runs completed in a race between their last stage and run_closed.
  const sweepRuns = async (): Promise<void> => {
    for (const runId of await pgTransact(runtime.pool)(completeRuns)) {
      await pgTransact(runtime.pool)((tx) => buildDigests(tx, runId, reminderDeps));
    }
  };
  const worker = new DeliveryWorker(runtime.pool, mailer, {
    from: cfg.MAIL_FROM, publicBaseUrl: cfg.PUBLIC_BASE_URL,
    window: cfg.REMINDER_SEND_WINDOW ? parseSendWindow(cfg.REMINDER_SEND_WINDOW) : null,
    leaseMs: cfg.REMINDER_LEASE_MS, retryBaseMs: cfg.REMINDER_RETRY_BASE_MS, retryMaxMs: cfg.REMINDER_RETRY_MAX_MS,
    maxAttempts: cfg.REMINDER_MAX_ATTEMPTS, sweepMs: cfg.REMINDER_SWEEP_MS, batch: cfg.REMINDER_BATCH,
    // more sends in flight than SMTP connections, so recording one overlaps sending the next
    concurrency: cfg.SMTP_POOL_SIZE * 4,
  }, clock, logger, () => runtime.relay.kick(), opts.hooks, sweepRuns);

  await runtime.consume<Tx>({
    queue: QUEUES.notifierDirectory, transact, prefetch: 4,
    on: {
      'funder.registered.v1': recordFunder,
      'programme.registered.v1': recordProgramme,
      'agreement.registered.v1': recordAgreementContacts,
      'agreement.amended.v1': recordAgreementContacts,
    },
  });
  // Plain pg transactions here: thousands of stages per run, and Prisma's interactive transactions
  // cost several times the two or three statements each stage needs.
  await runtime.consume<SqlTx>({
    queue: QUEUES.notifierReminders, transact: pgTransact(runtime.pool),
    on: { 'reminder.due.v1': recordReminderStage(reminderDeps), 'reminder.run_closed.v1': closeRun(reminderDeps) },
    afterCommit: () => { runtime.relay.kick(); worker.kick(); },
    prefetch: 12,
  });
  worker.start();

  const http = createHttpApp({
    service: 'notifier', logger, readiness: runtime.readiness(), internalSecret: cfg.INTERNAL_SECRET,
    openapi: { validateResponses: cfg.VALIDATE_RESPONSES },
    routes: (app) => mountRoutes(app, prisma),
  });
  const server = await listen(http.app, cfg.PORT, cfg.HOST);
  logger.info({ port: server.port }, 'notifier listening');
  return {
    port: server.port, runtime, worker,
    async stop() {
      http.drain();
      await server.close();
      await worker.stop();
      await runtime.stop();
      mailer.close();
      await prisma.$disconnect();
    },
  };
}

if (require.main === module) runService('notifier', () => loadNotifierConfig(), startNotifier);
