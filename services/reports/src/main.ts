import path from 'node:path';
import { ServiceRuntime } from '@pc/bus';
import { createHttpApp, createLogger, listen, type Logger, runService } from '@pc/service-kit';
import { loadReportsConfig, type ReportsConfig } from './config';
import { createPrisma, prismaTransact } from './adapters/prisma';
import { ReportStore } from './adapters/report-store';
import { ReportDispatchStore } from './adapters/report-dispatch-store';
import { smtpMailer, type Mailer } from './adapters/mailer';
import { sendMonthlyReports } from './use-cases/send-monthly-reports';
import { consumeEvents } from './consumers/read-model';
import { consumeJobs } from './consumers/jobs';
import { mountRoutes } from './http/routes';

export interface RunningService {
  port: number;
  runtime: ServiceRuntime;
  events: { readonly applied: number };
  stop(): Promise<void>;
}

/** Composition root of the reports service. */
export async function startReports(
  cfg: ReportsConfig,
  logger: Logger = createLogger('reports', cfg.LOG_LEVEL),
  opts: { mailer?: Mailer; now?: () => Date } = {},
): Promise<RunningService> {
  const runtime = await ServiceRuntime.start({
    service: 'reports',
    schema: 'reports',
    databaseUrl: cfg.DATABASE_URL,
    amqpUrl: cfg.AMQP_URL,
    migrationsDir: path.join(__dirname, '..', 'prisma', 'migrations'),
    logger,
  });
  const prisma = createPrisma(runtime.pool);
  const store = new ReportStore(runtime.pool);
  const mailer = opts.mailer ?? smtpMailer(cfg.SMTP_URL, cfg.MAIL_FROM);

  // The read model and the audit chain: every event type, many events per transaction.
  const events = { applied: 0 };
  await consumeEvents(runtime, {
    batchSize: cfg.REPORTS_BATCH_SIZE,
    batchWindowMs: cfg.REPORTS_BATCH_LINGER_MS,
    afterCommit: (handled) => {
      events.applied += handled;
      runtime.relay.kick();
    },
  });
  await consumeJobs(
    runtime,
    prismaTransact(prisma),
    sendMonthlyReports({
      reader: store,
      dispatches: new ReportDispatchStore(prisma),
      mailer,
      kick: () => runtime.relay.kick(),
      logger,
      now: opts.now,
    }),
  );

  const http = createHttpApp({
    service: 'reports',
    logger,
    readiness: runtime.readiness(),
    internalSecret: cfg.INTERNAL_SECRET,
    openapi: { validateResponses: cfg.VALIDATE_RESPONSES },
    routes: (app) => mountRoutes(app, { pool: runtime.pool, reader: store, now: opts.now }),
  });
  const server = await listen(http.app, cfg.PORT, cfg.HOST);
  logger.info({ port: server.port }, 'reports listening');
  return {
    port: server.port,
    runtime,
    events,
    async stop() {
      http.drain();
      await server.close();
      await runtime.stop();
      await prisma.$disconnect();
      mailer.close();
    },
  };
}

if (require.main === module) runService('reports', () => loadReportsConfig(), startReports);
