/** `pnpm db:migrate`: creates the database if needed and applies every service's migrations. */
import path from 'node:path';
import { baseEnv, createLogger, createPool, ensureDatabase, loadConfig, migrate } from '@pc/service-kit';
import { builtServices, root } from './services';

async function main(): Promise<void> {
  const cfg = loadConfig({ DATABASE_URL: baseEnv.DATABASE_URL });
  const logger = createLogger('migrate');
  await ensureDatabase(cfg.DATABASE_URL);
  for (const s of builtServices()) {
    if (!s.schema) continue;
    const pool = createPool(cfg.DATABASE_URL, s.schema, 1);
    try {
      const r = await migrate(pool, s.schema, path.join(root, 'services', s.name, 'prisma', 'migrations'), logger);
      console.log(`${s.name}: ${r.applied.length} applied, ${r.skipped} already there`);
    } finally { await pool.end(); }
  }
}
main().catch((err: unknown) => { console.error((err as Error).message); process.exit(1); });
