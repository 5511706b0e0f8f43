import { execFileSync } from 'node:child_process';
import { adminQuery, migrateAllServices, PG_ADMIN_URL, withDatabase } from './infra';

/**
 * Jest globalSetup: one run id, one template database with every service's migrations applied
 * (test files clone it in ≈0.1 s), and a check that RabbitMQ answers (test files make their own vhosts).
 */
export default async function globalSetup(): Promise<void> {
  const run = `pct_${Date.now().toString(36)}_${process.pid}`;
  process.env.PC_TEST_RUN = run;
  const tpl = `${run}_tpl`;
  await adminQuery(`CREATE DATABASE ${tpl}`);
  await migrateAllServices(withDatabase(PG_ADMIN_URL, tpl));
  execFileSync('rabbitmqctl', ['-q', 'status'], { stdio: 'ignore' });
}
