import client from 'prom-client';

/** One registry per process; every service exports it on GET /metrics. */
const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry });

export const metrics = {
  registry,
  httpDuration: new client.Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames: ['service', 'method', 'route', 'status'],
    registers: [registry],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
  }),
  outboxPending: new client.Gauge({
    name: 'outbox_pending',
    help: 'Outbox rows not yet confirmed by the broker',
    labelNames: ['service'],
    registers: [registry],
  }),
  outboxPublished: new client.Counter({
    name: 'outbox_published_total',
    help: 'Events published with broker confirm',
    labelNames: ['service'],
    registers: [registry],
  }),
  consumed: new client.Counter({
    name: 'events_consumed_total',
    help: 'Events handled by consumers',
    labelNames: ['consumer', 'result'],
    registers: [registry],
  }),
  projectionWaits: new client.Gauge({
    name: 'projection_waits',
    help: 'Requests now waiting for this service to receive an id its owner confirmed',
    labelNames: ['what'],
    registers: [registry],
  }),
  projectionLookups: new client.Counter({
    name: 'projection_lookups_total',
    help: 'Ids a route did not find locally and asked their owner about, by outcome',
    labelNames: ['what', 'outcome'],
    registers: [registry],
  }),
};
