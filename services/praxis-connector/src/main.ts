import { QUEUES, ServiceRuntime, type RunningService } from '@pc/bus';
import { createLogger, type Logger, runService } from '@pc/service-kit';
import { loadConnectorConfig, type ConnectorConfig } from './config';
import { createPrisma, type Tx } from './adapters/prisma';
import { PraxisHttp } from './adapters/praxis-http';
import { PageAdapter } from './adapters/page-adapter';
import { FeedAdapter } from './adapters/feed-adapter';
import { HostPolicy } from './domain/host-policy';
import type { SyncOptions, SyncResult } from './domain/sync-run';
import { readModelHandlers } from './consumers/agreements';
import { jobHandlers } from './consumers/jobs';
import { runPraxisSync } from './use-cases/run-praxis-sync';
import { queueSyncJob } from './use-cases/queue-sync-job';
import { syncJobRunner, type SyncJobRunner } from './use-cases/run-sync-jobs';
import { mountRoutes } from './http/routes';

export interface RunningConnector extends RunningService {
  runner: SyncJobRunner;
  http: PraxisHttp;
  /** one praxis_sync run outside the job queue, with the configured options or these (the benchmark) */
  sync(jobId: string, opts?: Partial<SyncOptions>): Promise<SyncResult>;
}

/** Composition root of the praxis-connector (anti-corruption layer in front of Praxis). */
export async function startConnector(
  cfg: ConnectorConfig,
  logger: Logger = createLogger('praxis-connector', cfg.LOG_LEVEL),
): Promise<RunningConnector> {
  const runtime = await ServiceRuntime.boot({ service: 'praxis-connector', cfg, srcDir: __dirname, logger });
  const pool = runtime.pool;
  const prisma = createPrisma(pool);
  const policy = new HostPolicy(cfg.PRAXIS_BASE_URL);
  const http = new PraxisHttp(policy, { timeoutMs: cfg.PRAXIS_TIMEOUT_MS, concurrency: cfg.PRAXIS_CONCURRENCY });
  const pages = new PageAdapter(http, cfg.PRAXIS_MAX_PAGE_BYTES);
  const feeds = new FeedAdapter(http, cfg.PRAXIS_MAX_FEED_BYTES, cfg.PRAXIS_MAX_FEED_ITEMS);
  const kick = (): void => runtime.relay.kick();
  const syncOptions: SyncOptions = {
    feedConcurrency: cfg.PRAXIS_FEED_CONCURRENCY,
    outageThreshold: cfg.PRAXIS_OUTAGE_THRESHOLD,
    reverifyMinAgeSeconds: cfg.PRAXIS_REVERIFY_MIN_AGE_SECONDS,
  };
  const sync = (jobId: string, opts: Partial<SyncOptions> = {}): Promise<SyncResult> =>
    runPraxisSync({ pool, feeds, pages, policy, logger, kick, opts: { ...syncOptions, ...opts } }, jobId);
  const runner = syncJobRunner({ pool, sync, logger, kick });
  await runner.recover();

  const transact = <T>(fn: (tx: Tx) => Promise<T>): Promise<T> => prisma.$transaction(fn, { timeout: 60_000 });
  // Imports register thousands of agreements at once: one transaction per 100 events.
  await runtime.consume<Tx>({ queue: QUEUES.connectorAgreements, transact, on: readModelHandlers, batchSize: 100 });
  // A sync covers every agreement accepted before it: the job waits until the read model caught up.
  const syncs = runtime.jobGate({
    name: 'praxis_sync',
    queues: [QUEUES.connectorAgreements],
    onCaughtUp: async (tx, job) => {
      await queueSyncJob(job, tx);
    },
    afterCommit: () => {
      kick();
      runner.kick();
    },
  });
  await runtime.consume<Tx>({
    queue: QUEUES.connectorJobs,
    transact,
    on: jobHandlers(syncs),
    afterCommit: () => {
      kick();
      runner.kick();
      syncs.kick();
    },
  });
  runner.kick(); // runs recovered or queued jobs

  runtime.stopsWith({ loops: [() => runner.stop()], clients: [() => http.close(), () => prisma.$disconnect()] });
  const port = await runtime.serve(cfg, {
    internalSecret: cfg.INTERNAL_SECRET,
    routes: (app) => mountRoutes(app, { pool, pages, praxisHost: policy.hostname }),
    log: { praxis: policy.base.origin },
  });
  return { port, runtime, runner, http, sync, stop: () => runtime.stop() };
}

if (require.main === module) runService('praxis-connector', () => loadConnectorConfig(), startConnector);
