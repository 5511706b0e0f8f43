import { execFileSync } from 'node:child_process';
import { adminQuery } from './infra';

/** Drops every database and vhost this run created, even those of crashed test files. */
export default async function globalTeardown(): Promise<void> {
  const run = process.env.PC_TEST_RUN;
  if (!run) return;
  const { rows } = await adminQuery('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${run}%`]);
  for (const r of rows as { datname: string }[]) {
    await adminQuery(`DROP DATABASE IF EXISTS ${r.datname} WITH (FORCE)`).catch(() => undefined);
  }
  const vhosts = execFileSync('rabbitmqctl', ['-q', 'list_vhosts', 'name'], { encoding: 'utf8' }).split('\n').map((s) => s.trim());
  for (const v of vhosts.filter((v) => v.startsWith(run))) {
    try { execFileSync('rabbitmqctl', ['-q', 'delete_vhost', v], { stdio: 'ignore' }); } catch { /* gone */ }
  }
}
