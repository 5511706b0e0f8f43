import { createTask, type ScheduledTask } from 'node-cron';
import type { Logger } from '@pc/service-kit';

/**
 * node-cron as the production trigger, and only a trigger: it says "look now" every minute and the
 * Scheduler decides from the pure schedule which slot (if any) is due. Why a heartbeat rather than
 * one node-cron task per schedule ('0 6 * * *' …): node-cron drops a run that starts more than 1 s
 * late (busy event loop) and never retries one whose database claim failed, while a heartbeat just
 * picks the slot up on the next beat; DST and slot keys stay in one table-tested function.
 */
export const HEARTBEAT = '* * * * *';

export interface CronTrigger {
  task: ScheduledTask;
  stop(): Promise<void>;
}

export async function startCronTrigger(
  onBeat: () => Promise<unknown>,
  logger: Logger,
  expression = HEARTBEAT,
): Promise<CronTrigger> {
  const log = logger.child({ component: 'node-cron' });
  const task = createTask(
    expression,
    async () => {
      await onBeat();
    },
    {
      name: 'scheduler-heartbeat',
      noOverlap: true, // a slow beat (database slow) is not stacked by the next one
      suppressMissedWarning: true, // a missed beat costs nothing: the next one sees the same due slot
      logger: {
        info: (m) => log.info(String(m)),
        warn: (m) => log.warn(String(m)),
        error: (m, err) => log.error({ err: err ?? m }, String(m)),
        debug: (m) => log.debug(String(m)),
      },
    },
  );
  await task.start();
  return {
    task,
    stop: async () => {
      await task.destroy();
    },
  };
}
