import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { migrate } from '@pc/service-kit';
import { adminQuery, builtServices, migrationsDir, PG_ADMIN_URL, withDatabase } from './infra';

/**
 * Jest globalSetup: one run id, one template database with every service's migrations applied
 * (test files clone it in ≈0.1 s), one vhost for tests that share a broker.
 */
export default async function globalSetup(): Promise<void> {
  const run = `pct_${Date.now().toString(36)}_${process.pid}`;
  process.env.PC_TEST_RUN = run;
  const tpl = `${run}_tpl`;
  await adminQuery(`CREATE DATABASE ${tpl}`);
  const url = withDatabase(PG_ADMIN_URL, tpl);
  for (const s of builtServices()) {
    if (!s.schema) continue;
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    try { await migrate(pool, s.schema, migrationsDir(s.name)); } finally { await pool.end(); }
  }
  execFileSync('rabbitmqctl', ['-q', 'status'], { stdio: 'ignore' });
}
