import { createLogger, type Logger, personPseudonymKey, runService } from '@pc/service-kit';
import { pgTransact, QUEUES, ServiceRuntime, type RunningService } from '@pc/bus';
import { loadEdgeConfig, type EdgeConfig } from './config';
import { createPrisma } from './adapters/prisma';
import { ApiKeyStore } from './adapters/api-key-store';
import { FunderStore } from './adapters/funder-store';
import { IdempotencyStore } from './adapters/idempotency-store';
import { mountProxy } from './http/proxy';
import { mountDocs } from './http/docs';
import { abuseLimits } from './http/abuse-limits';
import { mountAdminRoutes } from './http/routes';
import { PersonRequestStore } from './adapters/person-request-store';
import { peopleHandlers } from './consumers/people';

export type RunningEdge = RunningService;

/** Composition root of the edge: the single public base URL. */
export async function startEdge(
  cfg: EdgeConfig,
  logger: Logger = createLogger('edge', cfg.LOG_LEVEL),
): Promise<RunningEdge> {
  const runtime = await ServiceRuntime.boot({ service: 'edge', cfg, srcDir: __dirname, logger });
  const prisma = createPrisma(runtime.pool);
  const stores = {
    funders: new FunderStore(prisma),
    keys: new ApiKeyStore(prisma),
    idempotency: new IdempotencyStore(prisma),
    people: new PersonRequestStore(runtime.pool),
  };
  const expiry = setInterval(() => {
    stores.idempotency.expire().catch(() => undefined);
  }, 3_600_000);
  expiry.unref();
  runtime.stopsWith({ loops: [() => clearInterval(expiry)], clients: [() => prisma.$disconnect()] });
  await runtime.consume({
    queue: QUEUES.edgePeople,
    transact: pgTransact(runtime.pool),
    on: peopleHandlers(stores.people),
  });
  // The edge signs the principal for the services behind it; its callers bring API keys, except the
  // web service, which signs for the edge's own routes (audience `edge`): that signature is verified
  // with the other services' rule (body digest, one use) once the body is read (`internalSecret`).
  const port = await runtime.serve(cfg, {
    internalSecret: cfg.INTERNAL_SECRET,
    beforeBody: (app) => {
      // the reference is public and static: before authentication, body parsing and the validator
      mountDocs(app);
      mountProxy(app, cfg, stores, abuseLimits(cfg));
    },
    routes: (app) =>
      mountAdminRoutes(app, {
        ...stores,
        pseudonymKey: personPseudonymKey(cfg),
        kick: () => runtime.relay.kick(),
        purgeDeadLetters: (values) => runtime.purgeDeadLetters(values),
      }),
  });
  return { port, runtime, stop: () => runtime.stop() };
}

if (require.main === module) runService('edge', () => loadEdgeConfig(), startEdge);
