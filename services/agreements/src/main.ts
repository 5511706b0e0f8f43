import crypto from 'node:crypto';
import path from 'node:path';
import { ServiceRuntime } from '@pc/bus';
import { createHttpApp, createLogger, listen, todayInMontreal, type Logger, runService } from '@pc/service-kit';
import { loadAgreementsConfig, type AgreementsConfig } from './config';
import { createIntakeStore } from './adapters/intake-store';
import { createPrisma, transactor } from './adapters/prisma';
import { randomIndexSource } from './adapters/random';
import { startConsumers } from './consumers';
import { mountCsvBody } from './http/csv-body';
import { mountRoutes, type RouteDeps } from './http/routes';

export interface RunningService {
  port: number;
  runtime: ServiceRuntime;
  stop(): Promise<void>;
}

/** Composition root of the agreements service. */
export async function startAgreements(
  cfg: AgreementsConfig,
  logger: Logger = createLogger('agreements', cfg.LOG_LEVEL),
  today: () => string = () => todayInMontreal(),
  hooks: Pick<RouteDeps, 'onImport'> = {},
): Promise<RunningService> {
  const runtime = await ServiceRuntime.start({
    service: 'agreements',
    schema: 'agreements',
    databaseUrl: cfg.DATABASE_URL,
    amqpUrl: cfg.AMQP_URL,
    migrationsDir: path.join(__dirname, '..', 'prisma', 'migrations'),
    logger,
    // A CSV import commits tens of thousands of events at once: three relays of 1,000 per confirm
    // round trip, so one publishes while another waits for confirms (bench: backlog drained ~2× faster).
    relay: { batchSize: 1000, parallel: 3 },
  });
  const prisma = createPrisma(runtime.pool);
  const transact = transactor(prisma);
  await startConsumers(runtime, transact);
  const newId = (): string => crypto.randomUUID();
  const intake = { store: createIntakeStore(runtime.pool, newId), newId, randomIndex: randomIndexSource(), today };
  const kick = (): void => runtime.relay.kick();
  const http = createHttpApp({
    service: 'agreements',
    logger,
    readiness: runtime.readiness(),
    internalSecret: cfg.INTERNAL_SECRET,
    openapi: { validateResponses: cfg.VALIDATE_RESPONSES },
    beforeBody: mountCsvBody,
    routes: (app) => mountRoutes(app, { db: prisma, transact, intake, kick, today, logger, ...hooks }),
  });
  const server = await listen(http.app, cfg.PORT, cfg.HOST);
  logger.info({ port: server.port }, 'agreements listening');
  return {
    port: server.port,
    runtime,
    async stop() {
      http.drain();
      await server.close();
      await runtime.stop();
      await prisma.$disconnect();
    },
  };
}

if (require.main === module) runService('agreements', () => loadAgreementsConfig(), startAgreements);
