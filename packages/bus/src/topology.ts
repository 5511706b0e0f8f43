import type { Channel } from 'amqplib';

/** The one topic exchange every event is published to; the routing key is the event type. */
export const EXCHANGE = 'pc.events';

/**
 * Every consumer queue of the system, one per (service, purpose). WARNING: renaming a queue strands
 * the messages waiting in the old one — add the new name, drain, then remove the old.
 */
export const QUEUES = {
  agreementsFunders: 'agreements.funders',
  agreementsObligations: 'agreements.obligations',
  obligationsAgreements: 'obligations.agreements',
  obligationsJobs: 'obligations.jobs',
  obligationsEvidence: 'obligations.evidence',
  obligationsReminders: 'obligations.reminders',
  obligationsFunders: 'obligations.funders',
  connectorAgreements: 'praxis-connector.agreements',
  connectorJobs: 'praxis-connector.jobs',
  notifierReminders: 'notifier.reminders',
  notifierDirectory: 'notifier.directory',
  reportsEvents: 'reports.events',
  reportsJobs: 'reports.jobs',
  schedulerJobs: 'scheduler.jobs',
  // Law 25: each holder of personal data answers export and erasure requests; the edge gathers the answers.
  edgePeople: 'edge.people',
  agreementsPeople: 'agreements.people',
  obligationsPeople: 'obligations.people',
  connectorPeople: 'praxis-connector.people',
  notifierPeople: 'notifier.people',
  reportsPeople: 'reports.people',
  webPeople: 'web.people',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES] | string;

export interface QueueOptions {
  /** deliveries after which a message that keeps failing or crashing its consumer is dead-lettered */
  maxAttempts: number;
  /** delay before a failed message is delivered again */
  retryDelayMs: number;
}

export const retryQueue = (q: string): string => `${q}.retry`;
export const deadLetterQueue = (q: string): string => `${q}.dlq`;
/**
 * The direct exchange of a consumer's own queues (`<q>.dlx`, routing key = queue name): retries,
 * dead letters and replays go through it, never through the broker's default exchange, which a
 * service user may not write to (it reaches every queue by name).
 */
export const queueExchange = (q: string): string => `${q}.dlx`;

/**
 * Declares a consumer's queues:
 * - `<q>` quorum queue bound to the event types; `x-delivery-limit` catches messages that crash the
 *   process before an ack, dead-lettering them at-least-once to `<q>.dlq` (RabbitMQ 3.10 has no default);
 * - `<q>.retry` holds a failed message for `retryDelayMs` then dead-letters it back to `<q>`
 *   (no delayed-message plugin on these brokers);
 * - `<q>.dlq` keeps what exhausted its attempts until an operator replays it (`pnpm dlq`);
 * - `<q>.dlx`, the direct exchange the three are bound to by name, through which they dead-letter.
 * Bindings persist in the broker, so the keys a consumer no longer handles are given in `unbind`
 * (unbinding a key that was never bound changes nothing).
 *
 * A broker whose queues an earlier release declared (dead-lettering through the default exchange)
 * refuses the new arguments (PRECONDITION_FAILED): drain `<q>` and `<q>.retry`, delete them, restart.
 */
export async function assertConsumerTopology(
  ch: Channel,
  q: string,
  bindings: readonly string[],
  opts: QueueOptions,
  unbind: readonly string[] = [],
): Promise<void> {
  const own = queueExchange(q);
  await ch.assertExchange(EXCHANGE, 'topic', { durable: true });
  await ch.assertExchange(own, 'direct', { durable: true });
  await ch.assertQueue(deadLetterQueue(q), { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await ch.assertQueue(q, {
    durable: true,
    arguments: {
      'x-queue-type': 'quorum',
      'x-delivery-limit': opts.maxAttempts,
      'x-dead-letter-exchange': own,
      'x-dead-letter-routing-key': deadLetterQueue(q),
      'x-dead-letter-strategy': 'at-least-once',
      'x-overflow': 'reject-publish',
    },
  });
  await ch.assertQueue(retryQueue(q), {
    durable: true,
    arguments: { 'x-message-ttl': opts.retryDelayMs, 'x-dead-letter-exchange': own, 'x-dead-letter-routing-key': q },
  });
  for (const name of [q, retryQueue(q), deadLetterQueue(q)]) await ch.bindQueue(name, own, name);
  for (const key of bindings) await ch.bindQueue(q, EXCHANGE, key);
  for (const key of unbind) await ch.unbindQueue(q, EXCHANGE, key);
}
