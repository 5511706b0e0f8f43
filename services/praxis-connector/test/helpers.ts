import crypto from 'node:crypto';
import net from 'node:net';
import pg from 'pg';
import type { EventData } from '@pc/contracts';
import { testEnv, type TestEnv } from '@pc/testkit';
import { startSimulator, type Simulator, type SimulatorOptions } from '@pc/praxis-simulator';
import { startConnector, type RunningConnector } from '../src/main';
import { loadConnectorConfig } from '../src/config';

/** A TCP server that only counts connections: proof that a foreign host was never contacted. */
export async function startForeignHost(): Promise<{
  port: number;
  connections: () => number;
  close: () => Promise<void>;
}> {
  let count = 0;
  const server = net.createServer((s) => {
    count++;
    s.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
  });
  await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
  const port = (server.address() as net.AddressInfo).port;
  return { port, connections: () => count, close: () => new Promise<void>((r) => server.close(() => r())) };
}

export function db(url: string): pg.Pool {
  return new pg.Pool({ connectionString: url, max: 2 });
}

/** The connector under test: started through startConnector on its own database and vhost, before a real simulator. */
export interface Harness {
  t: TestEnv;
  sim: Simulator;
  svc: RunningConnector;
  pool: pg.Pool;
  /** counts connections: a URL on this host must never be fetched */
  foreign: Awaited<ReturnType<typeof startForeignHost>>;
  stop(): Promise<void>;
}

export async function startHarness(simulator: SimulatorOptions, env: Record<string, string>): Promise<Harness> {
  // What started is stopped in reverse order, also when a later step fails.
  const started: Array<() => Promise<void> | void> = [];
  const stop = async (): Promise<void> => {
    for (const s of started.splice(0).reverse()) await s();
  };
  try {
    const sim = await startSimulator(simulator);
    started.push(() => sim.stop());
    const foreign = await startForeignHost();
    started.push(() => foreign.close());
    // Tests that are not about politeness are not slowed down by it (production keeps 5 requests/s,
    // 2 at once); a test about it sets its own.
    const t = await testEnv({
      PRAXIS_BASE_URL: sim.baseUrl,
      PRAXIS_MAX_RPS: '1000',
      PRAXIS_CONCURRENCY: '8',
      PRAXIS_REVERIFY_MIN_AGE_SECONDS: '0',
      ...env,
    });
    started.push(() => t.cleanup());
    const svc = await startConnector(loadConnectorConfig(t.env));
    started.push(() => svc.stop());
    const pool = db(t.databaseUrl);
    started.push(() => pool.end());
    return { t, sim, svc, pool, foreign, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export const actor = { kind: 'system' as const, id: 'test' };

export function agreementData(o: {
  id?: string;
  funderId: string;
  programmeId: string;
  referenceCode: string;
  externalRef?: string;
  startDate?: string;
  revision?: number;
}): EventData<'agreement.registered.v1'> {
  return {
    agreementId: o.id ?? crypto.randomUUID(),
    funderId: o.funderId,
    programmeId: o.programmeId,
    programmeCode: 'MOB',
    externalRef: o.externalRef ?? `EXT-${crypto.randomBytes(3).toString('hex')}`,
    referenceCode: o.referenceCode,
    title: 'Cuisine collective',
    startDate: o.startDate ?? '2024-01-01',
    endDate: '2027-12-31',
    signedAt: null,
    grantee: { id: crypto.randomUUID(), name: 'Cuisines solidaires', neq: null },
    contacts: [],
    obligations: [],
    revision: o.revision ?? 1,
    actor,
  };
}
