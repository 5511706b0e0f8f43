import crypto from 'node:crypto';
import { adminQuery, createVhost, deleteVhost, migrateAllServices, PG_ADMIN_URL, withDatabase } from './infra';

export interface BenchEnv {
  databaseUrl: string;
  amqpUrl: string;
  cleanup(): Promise<void>;
}

/** A database with every service's migrations and a vhost for one benchmark run; both dropped by cleanup(). */
export async function benchEnv(): Promise<BenchEnv> {
  const name = `pc_bench_${Date.now().toString(36)}_${crypto.randomBytes(3).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const databaseUrl = withDatabase(PG_ADMIN_URL, name);
  await migrateAllServices(databaseUrl);
  const amqpUrl = createVhost(name);
  return {
    databaseUrl,
    amqpUrl,
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
