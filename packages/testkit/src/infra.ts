import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { migrateService } from '@pc/bus';

export const repoRoot = path.resolve(__dirname, '..', '..', '..');

export interface ServiceInfo {
  name: string;
  schema: string | null;
  port: number;
  urlEnv: string | null;
}
export function services(): ServiceInfo[] {
  return (
    JSON.parse(fs.readFileSync(path.join(repoRoot, 'infra', 'services.json'), 'utf8')) as { services: ServiceInfo[] }
  ).services;
}
/** Services that exist in this checkout (a folder with a migrations directory or a main.ts). */
export function builtServices(): ServiceInfo[] {
  return services().filter((s) => fs.existsSync(path.join(repoRoot, 'services', s.name, 'src', 'main.ts')));
}
export function migrationsDir(service: string): string {
  return path.join(repoRoot, 'services', service, 'prisma', 'migrations');
}

/** Admin URL of the machine's PostgreSQL (tests own databases whose names start with the run id). */
export const PG_ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const AMQP_BASE = process.env.TEST_AMQP_BASE ?? 'amqp://guest:guest@127.0.0.1:5672';

export function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

export async function adminQuery(sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    return await c.query(sql, params);
  } finally {
    await c.end();
  }
}

function runId(): string {
  const id = process.env.PC_TEST_RUN;
  if (!id) throw new Error('PC_TEST_RUN is not set: run tests through `pnpm test` (jest globalSetup)');
  return id;
}

/** A new database cloned from the run's migrated template (≈0.1 s). Dropped at the end of the run. */
export async function freshDatabase(): Promise<string> {
  const name = `${runId()}_${crypto.randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${runId()}_tpl`);
  return withDatabase(PG_ADMIN_URL, name);
}

function rabbitmqctl(...args: string[]): void {
  execFileSync('rabbitmqctl', ['-q', ...args], { stdio: 'pipe' });
}

/** Creates vhost `name` for the guest user and returns its AMQP URL. */
export function createVhost(name: string): string {
  rabbitmqctl('add_vhost', name);
  rabbitmqctl('set_permissions', '-p', name, 'guest', '.*', '.*', '.*');
  return `${AMQP_BASE}/${encodeURIComponent(name)}`;
}

/** A new RabbitMQ vhost for one test file, so queues of parallel files never meet. */
export function freshVhost(): string {
  return createVhost(`${runId()}_${crypto.randomBytes(4).toString('hex')}`);
}

/** Applies every built service's migrations (the bus's tables, then its own) to the database at `databaseUrl`. */
export async function migrateAllServices(databaseUrl: string): Promise<void> {
  for (const s of builtServices()) {
    if (!s.schema) continue;
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
    try {
      await migrateService(pool, s.schema, migrationsDir(s.name));
    } finally {
      await pool.end();
    }
  }
}

export function deleteVhost(amqpUrl: string): void {
  const name = decodeURIComponent(new URL(amqpUrl).pathname.slice(1));
  try {
    rabbitmqctl('delete_vhost', name);
  } catch {
    /* already gone */
  }
}

/** Polls `fn` until it returns a truthy value; fails with `what` after `timeoutMs`. */
export async function eventually<T>(
  fn: () => Promise<T | null | undefined | false>,
  what: string,
  timeoutMs = 15_000,
  everyMs = 50,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until)
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * A TCP port free on loopback right now (the kernel's choice): for a service a test starts next, or,
 * left unused, a port where nothing answers (a dependency that is down).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
