import { execFileSync } from 'node:child_process';
import { adminQuery } from './infra';

const STALE_MS = 3_600_000;

/** Test and bench resources are named `pct_<base36 time>_…` / `pc_bench_<base36 time>_…`. */
function createdAt(name: string): number | null {
  const m = /^(?:pct|pc_bench)_([0-9a-z]+)_/.exec(name);
  return m?.[1] ? parseInt(m[1], 36) : null;
}

/**
 * Drops every database and vhost this run created, even those of crashed test files, and those
 * that runs killed more than an hour ago left behind (CI must not depend on a clean machine, nor
 * fill it up).
 */
export default async function globalTeardown(): Promise<void> {
  const run = process.env.PC_TEST_RUN;
  if (!run) return;
  const ours = (name: string): boolean => {
    if (name.startsWith(run)) return true;
    const at = createdAt(name);
    return at !== null && at < Date.now() - STALE_MS;
  };
  const { rows } = await adminQuery(
    "SELECT datname FROM pg_database WHERE datname LIKE 'pct\\_%' OR datname LIKE 'pc\\_bench\\_%'",
  );
  for (const r of rows as { datname: string }[]) {
    if (ours(r.datname)) await adminQuery(`DROP DATABASE IF EXISTS ${r.datname} WITH (FORCE)`).catch(() => undefined);
  }
  const vhosts = execFileSync('rabbitmqctl', ['-q', 'list_vhosts', 'name'], { encoding: 'utf8' })
    .split('\n')
    .map((s) => s.trim());
  for (const v of vhosts.filter(ours)) {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        execFileSync('rabbitmqctl', ['-q', 'delete_vhost', v], { stdio: 'ignore' });
        break;
      } catch {
        /* retried once, then left for the next run */
      }
    }
  }
}
