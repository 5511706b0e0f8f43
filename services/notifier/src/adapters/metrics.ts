import client from 'prom-client';
import { metrics } from '@pc/service-kit';

/** Metrics of the notifier service, on the process registry served at /metrics. */
export const emailsTotal = new client.Counter({
  name: 'reminder_emails_total',
  help: 'Reminder emails by outcome (sent, temporary, permanent, resent)',
  labelNames: ['kind', 'result'],
  registers: [metrics.registry],
});
