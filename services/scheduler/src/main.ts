import path from 'node:path';
import { ServiceRuntime } from '@pc/bus';
import { createHttpApp, createLogger, listen, type Logger, runService } from '@pc/service-kit';
import { loadSchedulerConfig, type SchedulerConfig } from './config';
import { createPrisma } from './adapters/prisma';
import { PrismaSlotClaims } from './adapters/cron-fire-store';
import { startCronTrigger, type CronTrigger } from './adapters/cron-trigger';
import { systemClock } from './adapters/clock';
import { startConsumers } from './consumers';
import { mountRoutes } from './http/routes';
import { Scheduler } from './use-cases/fire-due-schedules';
import type { Clock } from './domain/ports';
import { SCHEDULES, type Schedule } from './domain/schedule';

export interface SchedulerOptions {
  /** Defaults to the system clock; tests pass a fake one. */
  clock?: Clock;
  /** 'node-cron' (default): a heartbeat drives ticks. 'manual': only the start-up tick; tests call scheduler.tick(). */
  trigger?: 'node-cron' | 'manual';
  /** node-cron expression of the heartbeat (tests use a per-second one). */
  heartbeat?: string;
  schedules?: readonly Schedule[];
}

export interface RunningScheduler {
  port: number;
  runtime: ServiceRuntime;
  scheduler: Scheduler;
  cron: CronTrigger | null;
  stop(): Promise<void>;
}

/** Composition root of the scheduler service: job routes, job.finished consumer, and the schedules. */
export async function startScheduler(
  cfg: SchedulerConfig,
  logger: Logger = createLogger('scheduler', cfg.LOG_LEVEL),
  opts: SchedulerOptions = {},
): Promise<RunningScheduler> {
  const clock = opts.clock ?? systemClock;
  const runtime = await ServiceRuntime.start({
    service: 'scheduler',
    schema: 'scheduler',
    databaseUrl: cfg.DATABASE_URL,
    amqpUrl: cfg.AMQP_URL,
    migrationsDir: path.join(__dirname, '..', 'prisma', 'migrations'),
    logger,
  });
  const prisma = createPrisma(runtime.pool);
  const kick = (): void => runtime.relay.kick();
  await startConsumers(runtime, prisma);

  const scheduler = new Scheduler(opts.schedules ?? SCHEDULES, clock, new PrismaSlotClaims(prisma, kick), logger);
  let cron: CronTrigger | null = null;
  if (cfg.SCHEDULES_ENABLED) {
    await scheduler.tick(); // catch-up: the latest slot of each schedule, if nobody fired it
    if ((opts.trigger ?? 'node-cron') === 'node-cron')
      cron = await startCronTrigger(() => scheduler.tick(), logger, opts.heartbeat);
  }

  const http = createHttpApp({
    service: 'scheduler',
    logger,
    readiness: runtime.readiness(),
    internalSecret: cfg.INTERNAL_SECRET,
    openapi: { validateResponses: cfg.VALIDATE_RESPONSES },
    routes: (app) => mountRoutes(app, { prisma, clock, kick }),
  });
  const server = await listen(http.app, cfg.PORT, cfg.HOST);
  logger.info(
    { port: server.port, schedules: cfg.SCHEDULES_ENABLED, trigger: cron ? 'node-cron' : 'manual' },
    'scheduler listening',
  );
  return {
    port: server.port,
    runtime,
    scheduler,
    cron,
    async stop() {
      http.drain();
      await cron?.stop();
      await scheduler.stop();
      await server.close();
      await runtime.stop();
      await prisma.$disconnect();
    },
  };
}

if (require.main === module) runService('scheduler', () => loadSchedulerConfig(), startScheduler);
