/**
 * The whole system for end-to-end tests: every service started in-process on free ports against one
 * fresh database and one vhost, a real SMTP sink and the Praxis simulator as PRAXIS_BASE_URL, and
 * the edge in front. Tests talk only to the public base URL (and to the simulator/sink as a
 * grantee's browser or mailbox would).
 */
import { startSmtpSink, testEnv, TEST_ADMIN_TOKEN, type SmtpSink } from '@pc/testkit';
import { startEdge } from '../../services/edge/src/main';
import { loadEdgeConfig } from '../../services/edge/src/config';
import { startAgreements } from '../../services/agreements/src/main';
import { loadAgreementsConfig } from '../../services/agreements/src/config';
import { startObligations } from '../../services/obligations/src/main';
import { loadObligationsConfig } from '../../services/obligations/src/config';
import { startConnector } from '../../services/praxis-connector/src/main';
import { loadConnectorConfig } from '../../services/praxis-connector/src/config';
import { startSimulator, type Simulator } from '@pc/praxis-simulator';
import { startNotifier } from '../../services/notifier/src/main';
import { loadNotifierConfig } from '../../services/notifier/src/config';
import { startReports } from '../../services/reports/src/main';
import { loadReportsConfig } from '../../services/reports/src/config';
import { startScheduler, type RunningScheduler, type SchedulerOptions } from '../../services/scheduler/src/main';
import type { RunningService } from '@pc/bus';
import { loadSchedulerConfig } from '../../services/scheduler/src/config';

export interface System {
  base: string;
  simulator: Simulator;
  sink: SmtpSink;
  databaseUrl: string;
  amqpUrl: string;
  /** the services by name (a test reaches past the edge only to inject a fault or drive the scheduler's clock) */
  services: Record<string, RunningService>;
  scheduler: RunningScheduler;
  /** fetch against the public base URL with a bearer token and JSON body */
  call(
    method: string,
    path: string,
    token: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Response>;
  stop(): Promise<void>;
}

export const ADMIN = TEST_ADMIN_TOKEN;

/** The JSON body of `res`, failing with the body's text when the status is not the expected one. */
export async function json<T>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

export interface SystemOptions {
  /** more environment for every service */
  env?: NodeJS.ProcessEnv;
  /** the scheduler's clock, trigger and schedules (with `env.SCHEDULES_ENABLED: 'true'`) */
  scheduler?: SchedulerOptions;
}

export async function startSystem(opts: SystemOptions = {}): Promise<System> {
  const simulator = await startSimulator({ port: 0, host: '127.0.0.1', notes: 0 } as never);
  const sink = await startSmtpSink();
  const t = await testEnv({
    SMTP_URL: sink.url,
    PRAXIS_BASE_URL: simulator.baseUrl,
    SCHEDULES_ENABLED: 'false',
    REMINDER_SWEEP_MS: '200',
    PRAXIS_REVERIFY_MIN_AGE_SECONDS: '0',
    // The whole system runs: jobs wait for what their producers had committed, as in production.
    CATCH_UP_ENABLED: 'true',
    ...opts.env,
  });
  const stops: Array<() => Promise<void>> = [];
  const up = async <T extends { port: number; stop(): Promise<void> }>(p: Promise<T>): Promise<T> => {
    const s = await p;
    stops.unshift(() => s.stop());
    return s;
  };
  const connector = await up(startConnector(loadConnectorConfig(t.env)));
  const env = { ...t.env, PRAXIS_CONNECTOR_URL: `http://127.0.0.1:${connector.port}` };
  const agreements = await up(startAgreements(loadAgreementsConfig(env)));
  const obligations = await up(startObligations(loadObligationsConfig(env)));
  const notifier = await up(startNotifier(loadNotifierConfig(env)));
  const reports = await up(startReports(loadReportsConfig(env)));
  const scheduler = await up(startScheduler(loadSchedulerConfig(env), undefined, opts.scheduler));
  const edge = await up(
    startEdge(
      loadEdgeConfig({
        ...env,
        AGREEMENTS_URL: `http://127.0.0.1:${agreements.port}`,
        OBLIGATIONS_URL: `http://127.0.0.1:${obligations.port}`,
        PRAXIS_CONNECTOR_URL: `http://127.0.0.1:${connector.port}`,
        NOTIFIER_URL: `http://127.0.0.1:${notifier.port}`,
        REPORTS_URL: `http://127.0.0.1:${reports.port}`,
        SCHEDULER_URL: `http://127.0.0.1:${scheduler.port}`,
      }),
    ),
  );
  const base = `http://127.0.0.1:${edge.port}`;
  // Started on free ports, the services learn each other's URLs (for watermarks) once all are up.
  const services: Record<string, RunningService> = {
    edge,
    agreements,
    obligations,
    'praxis-connector': connector,
    notifier,
    reports,
    scheduler,
  };
  for (const s of Object.values(services))
    for (const [name, other] of Object.entries(services)) s.runtime.peers.set(name, `http://127.0.0.1:${other.port}`);
  return {
    base,
    simulator,
    sink,
    databaseUrl: t.databaseUrl,
    amqpUrl: t.amqpUrl,
    services,
    scheduler,
    call: (method, path, token, body, headers = {}) =>
      fetch(base + path, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      }),
    async stop() {
      for (const s of stops) await s().catch(() => undefined);
      await sink.close();
      await simulator.stop();
      t.cleanup();
    },
  };
}
