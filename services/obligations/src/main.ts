import path from 'node:path';
import { ServiceRuntime } from '@pc/bus';
import { createHttpApp, createLogger, listen, type Logger, runService } from '@pc/service-kit';
import { loadObligationsConfig, type ObligationsConfig } from './config';
import { createPrisma } from './adapters/prisma';
import { systemClock } from './adapters/clock';
import { httpNoteVerifier } from './adapters/note-verifier-http';
import type { Clock, NoteVerifier } from './domain/ports';
import { startConsumers } from './consumers';
import { EvaluationWorker } from './consumers/evaluation-worker';
import { mountRoutes } from './http/routes';

export interface RunningService {
  port: number;
  runtime: ServiceRuntime;
  worker: EvaluationWorker;
  stop(): Promise<void>;
}

/** Ports a test may replace (a fixed clock, a fake Praxis connector). */
export interface ObligationsDeps {
  clock?: Clock;
  verifier?: NoteVerifier;
}

/** Composition root of the obligations service. */
export async function startObligations(
  cfg: ObligationsConfig,
  logger: Logger = createLogger('obligations', cfg.LOG_LEVEL),
  deps: ObligationsDeps = {},
): Promise<RunningService> {
  const clock = deps.clock ?? systemClock;
  const verifier = deps.verifier ?? httpNoteVerifier(cfg.PRAXIS_CONNECTOR_URL, cfg.INTERNAL_SECRET);
  const runtime = await ServiceRuntime.start({
    service: 'obligations',
    schema: 'obligations',
    databaseUrl: cfg.DATABASE_URL,
    amqpUrl: cfg.AMQP_URL,
    migrationsDir: path.join(__dirname, '..', 'prisma', 'migrations'),
    logger,
  });
  const prisma = createPrisma(runtime.pool);
  const kick = (): void => runtime.relay.kick();
  const worker = new EvaluationWorker(runtime.pool, {
    batchSize: cfg.EVALUATION_BATCH_SIZE,
    leaseSeconds: cfg.EVALUATION_LEASE_SECONDS,
    clock,
    logger,
    onCommit: kick,
  });
  await startConsumers(runtime, prisma, clock, logger, () => worker.kick());
  worker.start();
  const http = createHttpApp({
    service: 'obligations',
    logger,
    readiness: runtime.readiness(),
    internalSecret: cfg.INTERNAL_SECRET,
    openapi: { validateResponses: cfg.VALIDATE_RESPONSES },
    routes: (app) => mountRoutes(app, { prisma, clock, verifier, kick }),
  });
  const server = await listen(http.app, cfg.PORT, cfg.HOST);
  logger.info({ port: server.port }, 'obligations listening');
  return {
    port: server.port,
    runtime,
    worker,
    async stop() {
      http.drain();
      await server.close();
      await worker.stop();
      await runtime.stop();
      await prisma.$disconnect();
    },
  };
}

if (require.main === module) runService('obligations', () => loadObligationsConfig(), startObligations);
