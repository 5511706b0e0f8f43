import path from 'node:path';
import { QUEUES, ServiceRuntime } from '@pc/bus';
import { createHttpApp, createLogger, listen, onShutdown, type Logger } from '@pc/service-kit';
import { loadAgreementsConfig, type AgreementsConfig } from './config';
import { createPrisma, type Tx } from './adapters/prisma';
import { onFunderRegistered } from './consumers/funders';
import { mountRoutes } from './http/routes';

export interface RunningService { port: number; runtime: ServiceRuntime; stop(): Promise<void> }

/** Composition root of the agreements service. */
export async function startAgreements(cfg: AgreementsConfig, logger: Logger = createLogger('agreements', cfg.LOG_LEVEL)): Promise<RunningService> {
  const runtime = await ServiceRuntime.start({
    service: 'agreements', schema: 'agreements', databaseUrl: cfg.DATABASE_URL, amqpUrl: cfg.AMQP_URL,
    migrationsDir: path.join(__dirname, '..', 'prisma', 'migrations'), logger,
  });
  const prisma = createPrisma(runtime.pool);
  const transact = <T>(fn: (tx: Tx) => Promise<T>): Promise<T> => prisma.$transaction(fn, { timeout: 60_000 });
  await runtime.consume<Tx>({ queue: QUEUES.agreementsFunders, events: ['funder.registered.v1'], transact, handle: onFunderRegistered });
  const http = createHttpApp({
    service: 'agreements', logger, readiness: runtime.readiness(), internalSecret: cfg.INTERNAL_SECRET,
    openapi: { validateResponses: cfg.VALIDATE_RESPONSES },
    routes: (app) => mountRoutes(app, prisma, () => runtime.relay.kick()),
  });
  const server = await listen(http.app, cfg.PORT, cfg.HOST);
  logger.info({ port: server.port }, 'agreements listening');
  return {
    port: server.port, runtime,
    async stop() { http.drain(); await server.close(); await runtime.stop(); await prisma.$disconnect(); },
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
