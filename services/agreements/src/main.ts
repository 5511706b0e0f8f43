import path from 'node:path';
import { QUEUES, ServiceRuntime } from '@pc/bus';
import { createHttpApp, createLogger, listen, todayInMontreal, type Logger, runService } from '@pc/service-kit';
import { loadAgreementsConfig, type AgreementsConfig } from './config';
import { createPrisma, type Tx } from './adapters/prisma';
import { recordFunder } from './consumers/funders';
import { recordObligationStatus } from './consumers/obligation-status';
import { mountCsvBody } from './http/csv-body';
import { mountRoutes, type RouteDeps } from './http/routes';

export interface RunningService { port: number; runtime: ServiceRuntime; stop(): Promise<void> }

/** Composition root of the agreements service. */
export async function startAgreements(cfg: AgreementsConfig, logger: Logger = createLogger('agreements', cfg.LOG_LEVEL),
  today: () => string = () => todayInMontreal(), hooks: Pick<RouteDeps, 'onImport'> = {}): Promise<RunningService> {
  const runtime = await ServiceRuntime.start({
    service: 'agreements', schema: 'agreements', databaseUrl: cfg.DATABASE_URL, amqpUrl: cfg.AMQP_URL,
    migrationsDir: path.join(__dirname, '..', 'prisma', 'migrations'), logger,
    // A CSV import commits tens of thousands of events at once: three relays of 1,000 per confirm
    // round trip, so one publishes while another waits for confirms (bench: backlog drained ~2× faster).
    relay: { batchSize: 1000, parallel: 3 },
  });
  const prisma = createPrisma(runtime.pool);
  const transact = <T>(fn: (tx: Tx) => Promise<T>): Promise<T> => prisma.$transaction(fn, { timeout: 60_000 });
  await runtime.consume<Tx>({ queue: QUEUES.agreementsFunders, transact, on: { 'funder.registered.v1': recordFunder } });
  await runtime.consume<Tx>({ queue: QUEUES.agreementsObligations, transact, on: { 'obligation.transitioned.v1': recordObligationStatus }, prefetch: 100 });
  const kick = (): void => runtime.relay.kick();
  const http = createHttpApp({
    service: 'agreements', logger, readiness: runtime.readiness(), internalSecret: cfg.INTERNAL_SECRET,
    openapi: { validateResponses: cfg.VALIDATE_RESPONSES },
    beforeBody: mountCsvBody,
    routes: (app) => mountRoutes(app, { prisma, pool: runtime.pool, kick, today, logger, ...hooks }),
  });
  const server = await listen(http.app, cfg.PORT, cfg.HOST);
  logger.info({ port: server.port }, 'agreements listening');
  return {
    port: server.port, runtime,
    async stop() { http.drain(); await server.close(); await runtime.stop(); await prisma.$disconnect(); },
  };
}

if (require.main === module) runService('agreements', () => loadAgreementsConfig(), startAgreements);
