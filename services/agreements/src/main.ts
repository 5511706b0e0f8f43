import path from 'node:path';
import { OutboxRelay, QUEUES, ServiceRuntime } from '@pc/bus';
import { createHttpApp, createLogger, listen, onShutdown, todayInMontreal, type Logger } from '@pc/service-kit';
import { loadAgreementsConfig, type AgreementsConfig } from './config';
import { createPrisma, type Tx } from './adapters/prisma';
import { onFunderRegistered } from './consumers/funders';
import { onObligationTransitioned } from './consumers/obligation-status';
import { mountCsvBody } from './http/csv-body';
import { mountRoutes, type RouteDeps } from './http/routes';

export interface RunningService { port: number; runtime: ServiceRuntime; stop(): Promise<void> }

/** Composition root of the agreements service. */
export async function startAgreements(cfg: AgreementsConfig, logger: Logger = createLogger('agreements', cfg.LOG_LEVEL),
  today: () => string = () => todayInMontreal(), hooks: Pick<RouteDeps, 'onImport'> = {}): Promise<RunningService> {
  const runtime = await ServiceRuntime.start({
    service: 'agreements', schema: 'agreements', databaseUrl: cfg.DATABASE_URL, amqpUrl: cfg.AMQP_URL,
    migrationsDir: path.join(__dirname, '..', 'prisma', 'migrations'), logger,
  });
  const prisma = createPrisma(runtime.pool);
  const transact = <T>(fn: (tx: Tx) => Promise<T>): Promise<T> => prisma.$transaction(fn, { timeout: 60_000 });
  await runtime.consume<Tx>({ queue: QUEUES.agreementsFunders, events: ['funder.registered.v1'], transact, handle: onFunderRegistered });
  await runtime.consume<Tx>({ queue: QUEUES.agreementsObligations, events: ['obligation.transitioned.v1'], transact, handle: onObligationTransitioned, prefetch: 100 });
  // A CSV import commits up to tens of thousands of events at once. Besides the runtime's relay
  // (500 per confirm round trip, polling), two more relays are kicked after each write: while one
  // waits for broker confirms another reads/marks its batch. All claim rows with SKIP LOCKED, so
  // they share the backlog without publishing twice (bench: 20,000 events drained in ~half the time).
  const bulkRelays = [1, 2].map(() => new OutboxRelay(runtime.pool, runtime.bus, 'agreements', logger, { batchSize: 1000 }));
  const kick = (): void => { runtime.relay.kick(); for (const r of bulkRelays) r.kick(); };
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
    async stop() { http.drain(); await server.close(); await Promise.all(bulkRelays.map((r) => r.stop())); await runtime.stop(); await prisma.$disconnect(); },
  };
}

if (require.main === module) {
  const cfg = loadAgreementsConfig();
  const logger = createLogger('agreements', cfg.LOG_LEVEL);
  startAgreements(cfg, logger).then(
    (svc) => onShutdown(logger, () => svc.stop()),
    (err: unknown) => { logger.fatal({ err }, 'agreements failed to start'); process.exit(1); },
  );
}
