import path from 'node:path';
import { pgTransact, QUEUES, ServiceRuntime } from '@pc/bus';
import { createHttpApp, createLogger, listen, type Logger, runService } from '@pc/service-kit';
import { loadReportsConfig, type ReportsConfig } from './config';
import { createPrisma, type Tx } from './adapters/prisma';
import { AuditBatch } from './adapters/audit-store';
import { ReportStore } from './adapters/report-store';
import { smtpMailer, type Mailer } from './adapters/mailer';
import { readModel, type ReadModelTx } from './consumers/read-model';
import { sendMonthlyReports } from './consumers/jobs';
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
  const readModelTransact = <T>(fn: (tx: ReadModelTx) => Promise<T>): Promise<T> => pgTransact(runtime.pool)(async (tx) => {
    const audit = new AuditBatch();
    const out = await fn({ ...tx, audit });
    await audit.flush(tx.client); // the chain entries of the batch, in the batch's transaction
    return out;
  });
  await runtime.consume<ReadModelTx>({
    queue: QUEUES.reportsEvents, transact: readModelTransact, onBatch: readModel,
    batchSize: cfg.REPORTS_BATCH_SIZE, batchWindowMs: cfg.REPORTS_BATCH_LINGER_MS,
    afterCommit: (handled) => { events.applied += handled; runtime.relay.kick(); },
  });

  const transact = <T>(fn: (tx: Tx) => Promise<T>): Promise<T> => prisma.$transaction(fn, { timeout: 300_000 });
  await runtime.consume<Tx>({
    queue: QUEUES.reportsJobs, transact, prefetch: 1,
    on: { 'job.requested.v1': sendMonthlyReports({ prisma, store, mailer, kick: () => runtime.relay.kick(), logger, now: opts.now }) },
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
