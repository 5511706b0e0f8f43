import { ServiceRuntime, type RunningService as Running } from '@pc/bus';
import { agreementsLookups, createLogger, type Logger, personPseudonymKey, runService } from '@pc/service-kit';
import { loadObligationsConfig, type ObligationsConfig } from './config';
import { createPrisma } from './adapters/prisma';
import { systemClock } from './adapters/clock';
import { httpNoteVerifier } from './adapters/note-verifier-http';
import type { Clock, IdOwner, NoteVerifier } from './domain/ports';
import { startConsumers } from './consumers';
import { EvaluationWorker } from './consumers/evaluation-worker';
import { startPeopleConsumer } from './consumers/people';
import { mountRoutes } from './http/routes';

export interface RunningService extends Running {
  worker: EvaluationWorker;
}

/** Ports a test may replace (a fixed clock, a fake Praxis connector, a stand-in owner of ids). */
export interface ObligationsDeps {
  clock?: Clock;
  verifier?: NoteVerifier;
  owner?: IdOwner;
}

/** Composition root of the obligations service. */
export async function startObligations(
  cfg: ObligationsConfig,
  logger: Logger = createLogger('obligations', cfg.LOG_LEVEL),
  deps: ObligationsDeps = {},
): Promise<RunningService> {
  const clock = deps.clock ?? systemClock;
  const verifier = deps.verifier ?? httpNoteVerifier(cfg.PRAXIS_CONNECTOR_URL, cfg.INTERNAL_SECRET);
  const owner =
    deps.owner ??
    agreementsLookups({ caller: 'obligations', baseUrl: cfg.AGREEMENTS_URL, internalSecret: cfg.INTERNAL_SECRET });
  const runtime = await ServiceRuntime.boot({ service: 'obligations', cfg, srcDir: __dirname, logger });
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
  await startPeopleConsumer(runtime, personPseudonymKey(cfg));
  worker.start();
  runtime.stopsWith({ loops: [() => worker.stop()], clients: [() => prisma.$disconnect()] });
  const port = await runtime.serve(cfg, {
    internalSecret: cfg.INTERNAL_SECRET,
    routes: (app) =>
      mountRoutes(app, { prisma, clock, verifier, kick, owner, projectionWaitMs: cfg.PROJECTION_WAIT_MS }),
  });
  return { port, runtime, worker, stop: () => runtime.stop() };
}

if (require.main === module) runService('obligations', () => loadObligationsConfig(), startObligations);
