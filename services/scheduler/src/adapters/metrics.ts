import { Counter } from 'prom-client';
import { metrics } from '@pc/service-kit';

/** job.finished.v1 events that changed nothing, by reason (an unknown job is worth an alert). */
export const ignoredJobEvents = new Counter({
  name: 'scheduler_job_events_ignored_total',
  help: 'job.finished.v1 events the scheduler ignored',
  labelNames: ['reason'],
  registers: [metrics.registry],
});
