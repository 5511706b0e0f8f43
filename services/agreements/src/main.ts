import crypto from 'node:crypto';
import { ServiceRuntime, type RunningService } from '@pc/bus';
import { createLogger, personPseudonymKey, todayInMontreal, type Logger, runService } from '@pc/service-kit';
import { loadAgreementsConfig, type AgreementsConfig } from './config';
import { createIntakeStore } from './adapters/intake-store';
import { createPrisma, transactor } from './adapters/prisma';
import { randomIndexSource } from './adapters/random';
import { startConsumers } from './consumers';
import { startPeopleConsumer } from './consumers/people';
import { mountCsvBody } from './http/csv-body';
import { mountInternalRoutes } from './http/internal-routes';
import { mountRoutes, type RouteDeps } from './http/routes';

export type { RunningService };

/** Composition root of the agreements service. */
export async function startAgreements(
  cfg: AgreementsConfig,
  logger: Logger = createLogger('agreements', cfg.LOG_LEVEL),
  today: () => string = () => todayInMontreal(),
  hooks: Pick<RouteDeps, 'onImport'> = {},
): Promise<RunningService> {
  const runtime = await ServiceRuntime.boot({
    service: 'agreements',
    cfg,
    srcDir: __dirname,
    logger,
    // A CSV import commits tens of thousands of events at once: three relays of 1,000 per confirm
    // round trip, so one publishes while another waits for confirms (bench: backlog drained ~2× faster).
    relay: { batchSize: 1000, parallel: 3 },
  });
  const prisma = createPrisma(runtime.pool);
  const transact = transactor(prisma);
  await startConsumers(runtime, transact);
  await startPeopleConsumer(runtime, personPseudonymKey(cfg));
  const newId = (): string => crypto.randomUUID();
  const intake = { store: createIntakeStore(runtime.pool, newId), newId, randomIndex: randomIndexSource(), today };
  const kick = (): void => runtime.relay.kick();
  runtime.stopsWith({ clients: [() => prisma.$disconnect()] });
  const port = await runtime.serve(cfg, {
    internalSecret: cfg.INTERNAL_SECRET,
    beforeBody: mountCsvBody,
    routes: (app) => {
      mountRoutes(app, {
        db: prisma,
        transact,
        intake,
        kick,
        today,
        logger,
        praxisBase: new URL(cfg.PRAXIS_BASE_URL),
        ...hooks,
      });
      mountInternalRoutes(app, prisma);
    },
  });
  return { port, runtime, stop: () => runtime.stop() };
}

if (require.main === module) runService('agreements', () => loadAgreementsConfig(), startAgreements);
