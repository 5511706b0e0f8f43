import client from 'prom-client';
import { metrics } from '@pc/service-kit';

/** Metrics of the obligations service, on the process registry served at /metrics. */
function counter(name: string, help: string): client.Counter {
  const existing = metrics.registry.getSingleMetric(name);
  return (existing as client.Counter | undefined) ?? new client.Counter({ name, help, registers: [metrics.registry] });
}

export const obligationMetrics = {
  notesForUnknownAgreements: counter(
    'obligations_notes_unknown_agreement_total',
    'Verified Praxis notes naming an agreement this service does not know (ignored)',
  ),
  remindersDue: counter('obligations_reminders_due_total', 'reminder.due.v1 events emitted by evaluation runs'),
};
