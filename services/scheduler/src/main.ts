import { ServiceRuntime, type RunningService } from '@pc/bus';
import { createLogger, type Logger, runService } from '@pc/service-kit';
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

export interface RunningScheduler extends RunningService {
  scheduler: Scheduler;
  cron: CronTrigger | null;
}

/** Composition root of the scheduler service: job routes, job.finished consumer, and the schedules. */
export async function startScheduler(
  cfg: SchedulerConfig,
  logger: Logger = createLogger('scheduler', cfg.LOG_LEVEL),
  opts: SchedulerOptions = {},
): Promise<RunningScheduler> {
  const clock = opts.clock ?? systemClock;
  const runtime = await ServiceRuntime.boot({ service: 'scheduler', cfg, srcDir: __dirname, logger });
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

  runtime.stopsWith({ loops: [() => cron?.stop(), () => scheduler.stop()], clients: [() => prisma.$disconnect()] });
  const port = await runtime.serve(cfg, {
    internalSecret: cfg.INTERNAL_SECRET,
    routes: (app) => mountRoutes(app, { prisma, clock, kick }),
    log: { schedules: cfg.SCHEDULES_ENABLED, trigger: cron ? 'node-cron' : 'manual' },
  });
  return { port, runtime, scheduler, cron, stop: () => runtime.stop() };
}

if (require.main === module) runService('scheduler', () => loadSchedulerConfig(), startScheduler);
