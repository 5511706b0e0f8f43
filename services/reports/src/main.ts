import path from 'node:path';
import { eventCatalog, type EventType } from '@pc/contracts';
import { pgTransact, QUEUES, ServiceRuntime, type PgTx } from '@pc/bus';
import { createHttpApp, createLogger, listen, type Logger, runService } from '@pc/service-kit';
import { loadReportsConfig, type ReportsConfig } from './config';
import { createPrisma, type Tx } from './adapters/prisma';
import { AuditBatch } from './adapters/audit-store';
import { ReportStore } from './adapters/report-store';
import { smtpMailer, type Mailer } from './adapters/mailer';
import { applyEvents } from './consumers/read-model';
import { onJobRequested } from './consumers/jobs';
import { mountRoutes } from './http/routes';

export interface RunningService { port: number; runtime: ServiceRuntime; events: { readonly applied: number }; stop(): Promise<void> }

/** Composition root of the reports service. */
export async function startReports(cfg: ReportsConfig, logger: Logger = createLogger('reports', cfg.LOG_LEVEL), opts: { mailer?: Mailer; now?: () => Date } = {}): Promise<RunningService> {
  const runtime = await ServiceRuntime.start({
    service: 'reports', schema: 'reports', databaseUrl: cfg.DATABASE_URL, amqpUrl: cfg.AMQP_URL,
    migrationsDir: path.join(__dirname, '..', 'prisma', 'migrations'), logger,
  });
  const prisma = createPrisma(runtime.pool);
  const store = new ReportStore(runtime.pool);
  const mailer = opts.mailer ?? smtpMailer(cfg.SMTP_URL, cfg.MAIL_FROM);

  // The read model and the audit chain: every event type, many events per transaction.
  // One commit, one inbox statement and one audit-head lock per funder for up to REPORTS_BATCH_SIZE events.
  const events = { applied: 0 };
  await runtime.consume<PgTx>({
    queue: QUEUES.reportsEvents, events: Object.keys(eventCatalog) as EventType[], transact: pgTransact(runtime.pool),
    batchSize: cfg.REPORTS_BATCH_SIZE, batchWindowMs: cfg.REPORTS_BATCH_LINGER_MS,
    handleBatch: async (batch, tx) => {
      const audit = new AuditBatch();
      await applyEvents(batch, tx.client, audit);
      await audit.flush(tx.client);
      events.applied += batch.length;
    },
  });

  const transact = <T>(fn: (tx: Tx) => Promise<T>): Promise<T> => prisma.$transaction(fn, { timeout: 300_000 });
  await runtime.consume<Tx>({
    queue: QUEUES.reportsJobs, events: ['job.requested.v1'], transact, prefetch: 1,
    handle: onJobRequested({ prisma, store, mailer, kick: () => runtime.relay.kick(), logger, now: opts.now }),
  });

  const http = createHttpApp({
    service: 'reports', logger, readiness: runtime.readiness(), internalSecret: cfg.INTERNAL_SECRET,
    openapi: { validateResponses: cfg.VALIDATE_RESPONSES },
    routes: (app) => mountRoutes(app, { pool: runtime.pool, reader: store, now: opts.now }),
  });
  const server = await listen(http.app, cfg.PORT, cfg.HOST);
  logger.info({ port: server.port }, 'reports listening');
  return {
    port: server.port, runtime, events,
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
