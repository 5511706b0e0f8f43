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
import { startScheduler } from '../../services/scheduler/src/main';
import { loadSchedulerConfig } from '../../services/scheduler/src/config';

export interface System {
  base: string;
  simulator: Simulator;
  sink: SmtpSink;
  databaseUrl: string;
  amqpUrl: string;
  /** fetch against the public base URL with a bearer token and JSON body */
  call(
    method: string,
    path: string,
    token: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Response>;
  /** Stops one service (as a crash would leave its queue), to start it again with the same database and vhost. */
  stopService(name: 'notifier' | 'obligations' | 'reports'): Promise<void>;
  startService(name: 'notifier' | 'obligations' | 'reports'): Promise<void>;
  stop(): Promise<void>;
}

export const ADMIN = TEST_ADMIN_TOKEN;

/** The JSON body of `res`, failing with the body's text when the status is not the expected one. */
export async function json<T>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

export async function startSystem(): Promise<System> {
  const simulator = await startSimulator({ port: 0, host: '127.0.0.1', notes: 0 } as never);
  const sink = await startSmtpSink();
  const t = await testEnv({
    SMTP_URL: sink.url,
    PRAXIS_BASE_URL: simulator.baseUrl,
    SCHEDULES_ENABLED: 'false',
    REMINDER_SWEEP_MS: '200',
    PRAXIS_REVERIFY_MIN_AGE_SECONDS: '0',
  });
  const stops: Array<() => Promise<void>> = [];
  const up = async <T extends { port: number; stop(): Promise<void> }>(p: Promise<T>): Promise<T> => {
    const s = await p;
    // Once: a service a test stopped itself is not stopped again at the end.
    let stopping: Promise<void> | null = null;
    const original = s.stop.bind(s);
    const stop = () => (stopping ??= original());
    stops.unshift(stop);
    return Object.assign(s, { stop });
  };
  const connector = await up(startConnector(loadConnectorConfig(t.env)));
  const env = { ...t.env, PRAXIS_CONNECTOR_URL: `http://127.0.0.1:${connector.port}` };
  const agreements = await up(startAgreements(loadAgreementsConfig(env)));
  const obligations = await up(startObligations(loadObligationsConfig(env)));
  // Restartable services: the port changes on a restart, so the edge reaches them through `restartable`.
  const factories = {
    notifier: () => startNotifier(loadNotifierConfig({ ...env, PORT: '0' })),
    obligations: () => startObligations(loadObligationsConfig({ ...env, PORT: '0' })),
    reports: () => startReports(loadReportsConfig({ ...env, PORT: '0' })),
  };
  const notifier = await up(startNotifier(loadNotifierConfig(env)));
  const reports = await up(startReports(loadReportsConfig(env)));
  const restarted: Partial<Record<keyof typeof factories, { stop(): Promise<void> } | null>> = {};
  const scheduler = await up(startScheduler(loadSchedulerConfig(env)));
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
  return {
    base,
    simulator,
    sink,
    databaseUrl: t.databaseUrl,
    amqpUrl: t.amqpUrl,
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
    async stopService(name) {
      const running = restarted[name] ?? { notifier, obligations, reports }[name];
      await running.stop();
      restarted[name] = null;
    },
    async startService(name) {
      // Same HTTP port is not needed by the tests that restart (they watch the bus, not the route).
      restarted[name] = await factories[name]();
    },
    async stop() {
      for (const r of Object.values(restarted)) await r?.stop().catch(() => undefined);
      for (const s of stops) await s().catch(() => undefined);
      await sink.close();
      await simulator.stop();
      t.cleanup();
    },
  };
}
