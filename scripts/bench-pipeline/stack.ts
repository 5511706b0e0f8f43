/**
 * The system under the pipeline bench: a fresh database and vhost, a local SMTP sink, and every
 * service of this checkout (the Praxis simulator included) as its own process, started by the same
 * code as `pnpm start`, on free loopback ports. `stop()` ends every process (gracefully, then by
 * force), closes the sink, drops the database and the vhost, and names any process left behind.
 */
import crypto from 'node:crypto';
import {
  adminQuery,
  createVhost,
  deleteVhost,
  PG_ADMIN_URL,
  startSmtpSink,
  withDatabase,
  type SmtpSink,
} from '@pc/testkit';
import { builtServices, type ServiceInfo } from '../services';
import { freePort, spawnService, stopServices, waitReady, type RunningService } from '../system';
import { markedProcesses } from './probes';

export const MARK = 'PC_BENCH_MARK';

export interface StackOptions {
  /** extra environment for every service (SIM_*, PRAXIS_*, LOG_LEVEL …) */
  env: NodeJS.ProcessEnv;
  /** called once if a service exits while the bench still needs it */
  onCrash(name: string, code: number | null, signal: NodeJS.Signals | null): void;
  /** receives the stop function at once, so a Ctrl-C during the start can stop what already runs */
  registerStop(stop: () => Promise<unknown>): void;
}

export interface Stack {
  dbName: string;
  vhost: string;
  databaseUrl: string;
  amqpUrl: string;
  adminToken: string;
  edgeUrl: string;
  simulatorUrl: string;
  sink: SmtpSink;
  services: RunningService[];
  infos: ServiceInfo[];
  /** Stops everything; returns the processes that had to be killed after the stop (should be none). */
  stop(): Promise<Array<{ pid: number; cmd: string }>>;
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const dbName = `pc_bench_${Date.now().toString(36)}_${crypto.randomBytes(3).toString('hex')}`;
  const mark = crypto.randomUUID();
  const undo: Array<() => Promise<void> | void> = [];
  const services: RunningService[] = [];
  let stopping = false;
  const stop = async (): Promise<Array<{ pid: number; cmd: string }>> => {
    stopping = true;
    await stopServices(services, 15_000);
    for (const f of undo.reverse()) {
      try {
        await f();
      } catch (err) {
        console.error(`cleanup: ${(err as Error).message}`);
      }
    }
    undo.length = 0;
    const left = markedProcesses(MARK, mark);
    for (const p of left)
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        /* gone meanwhile */
      }
    return left;
  };
  opts.registerStop(stop);
  try {
    await adminQuery(`CREATE DATABASE ${dbName}`);
    undo.push(() => adminQuery(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).then(() => undefined));
    const amqpUrl = createVhost(dbName);
    undo.push(() => deleteVhost(amqpUrl));
    const sink = await startSmtpSink();
    undo.push(() => sink.close());
    const databaseUrl = withDatabase(PG_ADMIN_URL, dbName);
    const infos = builtServices();
    const ports = new Map<string, number>();
    for (const s of infos) ports.set(s.name, await freePort());
    const url = (name: string): string => `http://127.0.0.1:${ports.get(name)}`;
    const adminToken = `adm_${crypto.randomBytes(24).toString('base64url')}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...opts.env,
      DATABASE_URL: databaseUrl,
      AMQP_URL: amqpUrl,
      SMTP_URL: sink.url,
      HOST: '127.0.0.1',
      ADMIN_TOKEN: adminToken,
      INTERNAL_SECRET: crypto.randomBytes(32).toString('base64url'),
      CONTACT_LINK_SECRET: crypto.randomBytes(32).toString('base64url'),
      PUBLIC_BASE_URL: url('edge'),
      PRAXIS_BASE_URL: url('praxis-simulator'),
      SIM_PUBLIC_BASE_URL: url('praxis-simulator'),
      [MARK]: mark,
    };
    for (const s of infos) if (s.urlEnv) env[s.urlEnv] = url(s.name);
    for (const s of infos) {
      const svc = spawnService(s, ports.get(s.name)!, env, { detached: true, out: process.stderr });
      svc.child.once('exit', (code, signal) => {
        if (!stopping) opts.onCrash(s.name, code, signal);
      });
      services.push(svc);
    }
    await Promise.all(services.map((s) => waitReady(s, 120_000)));
    return {
      dbName,
      vhost: dbName,
      databaseUrl,
      amqpUrl,
      adminToken,
      edgeUrl: url('edge'),
      simulatorUrl: url('praxis-simulator'),
      sink,
      services,
      infos,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
