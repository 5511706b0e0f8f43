/**
 * The whole system for end-to-end tests: every service started in-process on free ports against one
 * fresh database and one vhost, a real SMTP sink and the Praxis simulator as PRAXIS_BASE_URL, and
 * the edge in front. Tests talk only to the public base URL (and to the simulator/sink as a
 * grantee's browser or mailbox would).
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import {
  benchEnv,
  eventually,
  freePort,
  spawnTs,
  startSmtpSink,
  testEnv,
  TEST_ADMIN_TOKEN,
  TEST_INTERNAL_SECRET,
  TEST_CONTACT_LINK_SECRET,
  type SmtpSink,
  type TestEnv,
} from '@pc/testkit';
import type { Logger } from '@pc/service-kit';
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
import { startWeb } from '../../services/web/src/main';
import { loadWebConfig } from '../../services/web/src/config';

export interface System {
  base: string;
  simulator: Simulator;
  sink: SmtpSink;
  databaseUrl: string;
  amqpUrl: string;
  /** base URL of each service behind the edge (for a bench reading its /metrics) */
  serviceUrls: Record<'agreements' | 'obligations' | 'notifier' | 'reports' | 'web', string>;
  /** the services started as processes of their own (`startSystem({ processes })`), for a test to kill */
  processes: { agreements?: ChildProcess };
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

/** A benchmark's environment: its own migrated database (no jest template), responses not validated. */
async function benchTestEnv(extra: NodeJS.ProcessEnv): Promise<TestEnv & { drop(): Promise<void> }> {
  const b = await benchEnv();
  return {
    drop: () => b.cleanup(),
    databaseUrl: b.databaseUrl,
    amqpUrl: b.amqpUrl,
    env: {
      DATABASE_URL: b.databaseUrl,
      AMQP_URL: b.amqpUrl,
      LOG_LEVEL: 'warn',
      INTERNAL_SECRET: TEST_INTERNAL_SECRET,
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      CONTACT_LINK_SECRET: TEST_CONTACT_LINK_SECRET,
      PORT: '0',
      HOST: '127.0.0.1',
      ...extra,
    },
    cleanup: () => undefined, // drop() removes both the database and the vhost
  };
}

/**
 * `processes: ['agreements']` runs the agreements service as a process of its own (node itself, as
 * `pnpm start` runs it), so a fault test can SIGKILL the process doing the work; the others stay
 * in-process. `bench: true` is for a benchmark run outside jest (a database of its own).
 */
export interface SystemOptions {
  /** services run as processes of their own (see above) */
  processes?: Array<'agreements'>;
  /** a benchmark run outside jest (a database of its own) */
  bench?: boolean;
  /** the logger each in-process service is started with (by service name); by default its own, at LOG_LEVEL */
  loggers?: (service: string) => Logger;
  /** more environment for every service */
  env?: NodeJS.ProcessEnv;
  /** the scheduler's clock, trigger and schedules (with `env.SCHEDULES_ENABLED: 'true'`) */
  scheduler?: SchedulerOptions;
}

export async function startSystem(opts: SystemOptions = {}): Promise<System> {
  const log = (service: string): Logger | undefined => opts.loggers?.(service);
  const simulator = await startSimulator({ port: 0, host: '127.0.0.1', notes: 0 } as never);
  const sink = await startSmtpSink();
  const extra = {
    SMTP_URL: sink.url,
    PRAXIS_BASE_URL: simulator.baseUrl,
    SCHEDULES_ENABLED: 'false',
    REMINDER_SWEEP_MS: '200',
    PRAXIS_REVERIFY_MIN_AGE_SECONDS: '0',
    // not about politeness (production reads Praxis at 5 requests/s)
    PRAXIS_MAX_RPS: '1000',
    PRAXIS_CONCURRENCY: '8',
    // The whole system runs: jobs wait for what their producers had committed, as in production.
    CATCH_UP_ENABLED: 'true',
    ...opts.env,
  };
  const bench = opts.bench ? await benchTestEnv(extra) : null;
  const t = bench ?? (await testEnv(extra));
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
  const connector = await up(startConnector(loadConnectorConfig(t.env), log('praxis-connector')));
  const env = { ...t.env, PRAXIS_CONNECTOR_URL: `http://127.0.0.1:${connector.port}` };
  const processes: System['processes'] = {};
  let agreements: { port: number };
  let agreementsInProcess: RunningService | null = null;
  if (opts.processes?.includes('agreements')) {
    const port = await freePort();
    const child = spawnTs(path.join(__dirname, '..', '..', 'services', 'agreements', 'src', 'main.ts'), {
      env: { ...env, PORT: String(port) },
    });
    processes.agreements = child;
    stops.unshift(async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    });
    await eventually(
      async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null))?.ok,
      'agreements process ready',
      60_000,
      200,
    );
    agreements = { port };
  } else {
    agreementsInProcess = await up(startAgreements(loadAgreementsConfig(env), log('agreements')));
    agreements = agreementsInProcess;
  }
  // the owner of the ids the others learn of through events (read your writes)
  const owned = { ...env, AGREEMENTS_URL: `http://127.0.0.1:${agreements.port}` };
  const obligations = await up(startObligations(loadObligationsConfig(owned), log('obligations')));
  // Restartable services: the port changes on a restart, so the edge reaches them through `restartable`.
  const factories = {
    notifier: () => startNotifier(loadNotifierConfig({ ...owned, PORT: '0' }), log('notifier')),
    obligations: () => startObligations(loadObligationsConfig({ ...owned, PORT: '0' }), log('obligations')),
    reports: () => startReports(loadReportsConfig({ ...owned, PORT: '0' }), log('reports')),
  };
  const notifier = await up(startNotifier(loadNotifierConfig(owned), log('notifier')));
  const reports = await up(startReports(loadReportsConfig(owned), log('reports')));
  const restarted: Partial<Record<keyof typeof factories, { stop(): Promise<void> } | null>> = {};
  const scheduler = await up(startScheduler(loadSchedulerConfig(env), log('scheduler'), opts.scheduler));
  // the pages: a client of the services above, as a person (its PUBLIC_BASE_URL is the edge's, known once it is up)
  const webEnv = {
    ...owned,
    OBLIGATIONS_URL: `http://127.0.0.1:${obligations.port}`,
    NOTIFIER_URL: `http://127.0.0.1:${notifier.port}`,
    REPORTS_URL: `http://127.0.0.1:${reports.port}`,
    SCHEDULER_URL: `http://127.0.0.1:${scheduler.port}`,
  };
  const web = await up(startWeb(loadWebConfig(webEnv), log('web')));
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
        WEB_URL: `http://127.0.0.1:${web.port}`,
      }),
      log('edge'),
    ),
  );
  const base = `http://127.0.0.1:${edge.port}`;
  // Started on free ports, the services learn each other's URLs (for watermarks) once all are up.
  // The agreements service run as a process (`processes`) is not in this map: the others still learn its URL.
  const services: Record<string, RunningService> = {
    edge,
    ...(agreementsInProcess ? { agreements: agreementsInProcess } : {}),
    obligations,
    'praxis-connector': connector,
    notifier,
    reports,
    scheduler,
    web,
  };
  for (const s of Object.values(services)) {
    for (const [name, other] of Object.entries(services)) s.runtime.peers.set(name, `http://127.0.0.1:${other.port}`);
    s.runtime.peers.set('agreements', `http://127.0.0.1:${agreements.port}`);
  }
  return {
    base,
    simulator,
    sink,
    databaseUrl: t.databaseUrl,
    amqpUrl: t.amqpUrl,
    processes,
    serviceUrls: {
      agreements: `http://127.0.0.1:${agreements.port}`,
      obligations: `http://127.0.0.1:${obligations.port}`,
      notifier: `http://127.0.0.1:${notifier.port}`,
      reports: `http://127.0.0.1:${reports.port}`,
      web: `http://127.0.0.1:${web.port}`,
    },
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
    async stopService(name) {
      const running = restarted[name] ?? { notifier, obligations, reports }[name];
      await running.stop();
      restarted[name] = null;
    },
    async startService(name) {
      // Same HTTP port is not needed by the tests that restart (they watch the bus, not the route).
      const svc = await factories[name]();
      // A restarted service learns the others' URLs again (its producers, for watermarks).
      for (const [other, running] of Object.entries(services))
        svc.runtime.peers.set(other, `http://127.0.0.1:${running.port}`);
      svc.runtime.peers.set('agreements', `http://127.0.0.1:${agreements.port}`);
      restarted[name] = svc;
    },
    async stop() {
      for (const r of Object.values(restarted)) await r?.stop().catch(() => undefined);
      for (const s of stops) await s().catch(() => undefined);
      await sink.close();
      await simulator.stop();
      t.cleanup();
      await bench?.drop();
    },
  };
}
