import fs from 'node:fs';
import path from 'node:path';
import { pgTransact, QUEUES, ServiceRuntime, type RunningService, type SqlTx } from '@pc/bus';
import { createLogger, type Logger, personPseudonymKey, runService } from '@pc/service-kit';
import { DEFAULT_CONTACT_URL, loadConnectorConfig, type ConnectorConfig } from './config';
import { createPrisma, type Tx } from './adapters/prisma';
import { PraxisHttp } from './adapters/praxis-http';
import { hostBudget } from './adapters/host-budget-store';
import { PageAdapter } from './adapters/page-adapter';
import { FeedAdapter } from './adapters/feed-adapter';
import { HostPolicy } from './domain/host-policy';
import { userAgent } from './domain/politeness';
import type { SyncOptions, SyncResult } from './domain/sync-run';
import { READ_MODEL_BATCH, READ_MODEL_PREFETCH, READ_MODEL_WINDOW_MS, readModelHandlers } from './consumers/agreements';
import { jobHandlers } from './consumers/jobs';
import { startPeopleConsumer } from './consumers/people';
import { runPraxisSync } from './use-cases/run-praxis-sync';
import { queueSyncJob } from './use-cases/queue-sync-job';
import { syncJobRunner, type SyncJobRunner } from './use-cases/run-sync-jobs';
import { mountRoutes } from './http/routes';

/** The version the User-Agent names (this service's package). */
const VERSION = (JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string })
  .version;

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
  if (cfg.PRAXIS_CONTACT_URL === DEFAULT_CONTACT_URL)
    logger.warn('PRAXIS_CONTACT_URL is the placeholder: set it so that Praxis can reach whoever runs this system');
  // One polite client for the host: every request of this replica, under a budget all replicas share.
  const http = new PraxisHttp(policy, hostBudget(pool, policy.base.origin), {
    timeoutMs: cfg.PRAXIS_TIMEOUT_MS,
    concurrency: cfg.PRAXIS_CONCURRENCY,
    maxRps: cfg.PRAXIS_MAX_RPS,
    userAgent: userAgent(VERSION, cfg.PRAXIS_CONTACT_URL),
    maxPauseMs: cfg.PRAXIS_MAX_PAUSE_SECONDS * 1000,
    robotsTtlMs: cfg.PRAXIS_ROBOTS_TTL_SECONDS * 1000,
  });
  const pages = new PageAdapter(http, cfg.PRAXIS_MAX_PAGE_BYTES);
  // A person waits for a declared note: its page goes before a sync's.
  const declaredPages = new PageAdapter(http, cfg.PRAXIS_MAX_PAGE_BYTES, 'interactive');
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
  // Imports register tens of thousands of agreements at once: batches, set-based, on plain pg transactions.
  await runtime.consume<SqlTx>({
    queue: QUEUES.connectorAgreements,
    transact: pgTransact(pool),
    onBatch: readModelHandlers,
    batchSize: READ_MODEL_BATCH,
    batchWindowMs: READ_MODEL_WINDOW_MS,
    prefetch: READ_MODEL_PREFETCH,
  });
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
  await startPeopleConsumer(runtime, personPseudonymKey(cfg));
  runner.kick(); // runs recovered or queued jobs

  // The client closes first: a sync waiting out a pause or the rate ends at once instead of holding up shutdown.
  runtime.stopsWith({ loops: [() => http.close(), () => runner.stop()], clients: [() => prisma.$disconnect()] });
  const port = await runtime.serve(cfg, {
    internalSecret: cfg.INTERNAL_SECRET,
    routes: (app) => mountRoutes(app, { pool, pages: declaredPages, praxisHost: policy.hostname }),
    log: { praxis: policy.base.origin },
  });
  return { port, runtime, runner, http, sync, stop: () => runtime.stop() };
}

if (require.main === module) runService('praxis-connector', () => loadConnectorConfig(), startConnector);
