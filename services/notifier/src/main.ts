import {
  pgTransact,
  QUEUES,
  ServiceRuntime,
  singleFlight,
  type RunningService as Running,
  type SingleFlight,
  type SqlTx,
} from '@pc/bus';
import {
  agreementsLookups,
  createLogger,
  type IdOwner,
  type Logger,
  personPseudonymKey,
  runService,
} from '@pc/service-kit';
import { loadNotifierConfig, type NotifierConfig } from './config';
import { createPrisma } from './adapters/prisma';
import { createSmtpMailer, type Mailer } from './adapters/mailer';
import { DIRECTORY_BATCH, DIRECTORY_PREFETCH, DIRECTORY_WINDOW_MS, directoryHandlers } from './consumers/directory';
import { REMINDERS_BATCH, REMINDERS_PREFETCH, REMINDERS_WINDOW_MS, reminderHandlers } from './consumers/reminders';
import { startPeopleConsumer } from './consumers/people';
import { parseSendWindow } from './domain/send-window';
import { mountRoutes } from './http/routes';
import { digestCompletedRuns } from './use-cases/digest-completed-runs';
import { sendDigests, type DeliveryHooks } from './use-cases/send-digests';
import type { DigestDeps } from './use-cases/build-digests';

export interface RunningService extends Running {
  /** the delivery loop: kick() sends now, stop() waits for the messages in flight to be recorded */
  worker: SingleFlight;
}

export interface NotifierOptions {
  /** the time the worker and the send window see (tests move it) */
  clock?: () => Date;
  hooks?: DeliveryHooks;
  mailer?: Mailer;
  /** the owner of contacts (the agreements service unless a test stands in for it) */
  owner?: IdOwner;
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
  const mailer = opts.mailer ?? createSmtpMailer(cfg.SMTP_URL, cfg.SMTP_POOL_SIZE);
  // A run's digests wait until the directory (funder copies and names) has consumed what its
  // producers had committed when the run was complete; past the timeout they are built anyway: a
  // reminder without its funder's copy is better than no reminder.
  const directory = runtime.catchUp<{ runId: string }>({
    name: 'digest',
    queues: [QUEUES.notifierDirectory],
    onCaughtUp: async () => undefined,
    onTimedOut: async (_tx, _run, runId, _waitingFor, message) => {
      logger.warn({ runId }, `digests built with a directory that is behind: ${message}`);
    },
    afterCommit: () => worker.kick(),
  });
  const digestDeps: DigestDeps = {
    messageDomain: messageDomain(cfg.MAIL_FROM),
    clock,
    directoryCaughtUp: async (tx, runId) => {
      if (await directory.decided(tx, runId)) return true;
      await directory.hold(tx, runId, { runId });
      return false;
    },
  };
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
      contactLinkSecret: cfg.CONTACT_LINK_SECRET,
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

  await runtime.consume<SqlTx>({
    queue: QUEUES.notifierDirectory,
    transact: pgTransact(runtime.pool),
    onBatch: directoryHandlers,
    batchSize: DIRECTORY_BATCH,
    batchWindowMs: DIRECTORY_WINDOW_MS,
    prefetch: DIRECTORY_PREFETCH,
  });
  // Plain pg transactions here: thousands of stages per run, and Prisma's interactive transactions
  // cost several times the statements each batch needs.
  await runtime.consume<SqlTx>({
    queue: QUEUES.notifierReminders,
    transact: pgTransact(runtime.pool),
    ...reminderHandlers(digestDeps),
    afterCommit: () => {
      runtime.relay.kick();
      worker.kick();
      directory.kick();
    },
    batchSize: REMINDERS_BATCH,
    batchWindowMs: REMINDERS_WINDOW_MS,
    prefetch: REMINDERS_PREFETCH,
  });
  await startPeopleConsumer(runtime, personPseudonymKey(cfg));
  worker.start(cfg.REMINDER_SWEEP_MS);

  runtime.stopsWith({ loops: [() => worker.stop()], clients: [() => mailer.close(), () => prisma.$disconnect()] });
  const port = await runtime.serve(cfg, {
    internalSecret: cfg.INTERNAL_SECRET,
    routes: (app) =>
      mountRoutes(app, {
        prisma,
        owner:
          opts.owner ??
          agreementsLookups({ caller: 'notifier', baseUrl: cfg.AGREEMENTS_URL, internalSecret: cfg.INTERNAL_SECRET }),
        projectionWaitMs: cfg.PROJECTION_WAIT_MS,
      }),
  });
  return { port, runtime, worker, stop: () => runtime.stop() };
}

if (require.main === module) runService('notifier', () => loadNotifierConfig(), startNotifier);
