import crypto from 'node:crypto';
import pg from 'pg';
import { migrate } from '@pc/service-kit';
import { adminQuery, AMQP_BASE, builtServices, deleteVhost, migrationsDir, PG_ADMIN_URL, withDatabase } from './infra';
import { execFileSync } from 'node:child_process';

export interface BenchEnv { databaseUrl: string; amqpUrl: string; cleanup(): Promise<void> }

/** A database with every service's migrations and a vhost for one benchmark run; both dropped by cleanup(). */
export async function benchEnv(): Promise<BenchEnv> {
  const name = `pc_bench_${Date.now().toString(36)}_${crypto.randomBytes(3).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const databaseUrl = withDatabase(PG_ADMIN_URL, name);
  for (const s of builtServices()) {
    if (!s.schema) continue;
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
    try { await migrate(pool, s.schema, migrationsDir(s.name)); } finally { await pool.end(); }
  }
  execFileSync('rabbitmqctl', ['-q', 'add_vhost', name]);
  execFileSync('rabbitmqctl', ['-q', 'set_permissions', '-p', name, 'guest', '.*', '.*', '.*']);
  const amqpUrl = `${AMQP_BASE}/${name}`;
  return {
    databaseUrl, amqpUrl,
    async cleanup() {
      deleteVhost(amqpUrl);
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/** Median of numbers (benchmarks print medians of repeated runs). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
