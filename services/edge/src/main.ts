import path from 'node:path';
import { createHttpApp, createLogger, listen, type Logger, runService } from '@pc/service-kit';
import { ServiceRuntime } from '@pc/bus';
import { loadEdgeConfig, type EdgeConfig } from './config';
import { createPrisma } from './adapters/prisma';
import { ApiKeyStore } from './adapters/api-key-store';
import { FunderStore } from './adapters/funder-store';
import { IdempotencyStore } from './adapters/idempotency-store';
import { mountProxy } from './http/proxy';
import { mountAdminRoutes } from './http/routes';

export interface RunningEdge {
  port: number;
  runtime: ServiceRuntime;
  stop(): Promise<void>;
}

/** Composition root of the edge: the single public base URL. */
export async function startEdge(
  cfg: EdgeConfig,
  logger: Logger = createLogger('edge', cfg.LOG_LEVEL),
): Promise<RunningEdge> {
  const runtime = await ServiceRuntime.start({
    service: 'edge',
    schema: 'edge',
    databaseUrl: cfg.DATABASE_URL,
    amqpUrl: cfg.AMQP_URL,
    migrationsDir: path.join(__dirname, '..', 'prisma', 'migrations'),
    logger,
  });
  const prisma = createPrisma(runtime.pool);
  const stores = {
    funders: new FunderStore(prisma),
    keys: new ApiKeyStore(prisma),
    idempotency: new IdempotencyStore(prisma),
  };
  const expiry = setInterval(() => {
    stores.idempotency.expire().catch(() => undefined);
  }, 3_600_000);
  expiry.unref();
  const http = createHttpApp({
    service: 'edge',
    logger,
    readiness: runtime.readiness(),
    openapi: { validateResponses: cfg.VALIDATE_RESPONSES },
    beforeBody: (app) => mountProxy(app, cfg, stores),
    routes: (app) => mountAdminRoutes(app, { ...stores, kick: () => runtime.relay.kick() }),
  });
  const server = await listen(http.app, cfg.PORT, cfg.HOST);
  logger.info({ port: server.port }, 'edge listening');
  return {
    port: server.port,
    runtime,
    async stop() {
      http.drain();
      clearInterval(expiry);
      await server.close();
      await prisma.$disconnect();
      await runtime.stop();
    },
  };
}

if (require.main === module) runService('edge', () => loadEdgeConfig(), startEdge);
