/** `pnpm db:migrate`: creates the database if needed and applies every service's migrations (the bus's tables first). */
import path from 'node:path';
import { migrateService } from '@pc/bus';
import { baseEnv, createLogger, createPool, ensureDatabase, loadConfig } from '@pc/service-kit';
import { builtServices, root } from './services';

async function main(): Promise<void> {
  const cfg = loadConfig({ DATABASE_URL: baseEnv.DATABASE_URL });
  const logger = createLogger('migrate');
  await ensureDatabase(cfg.DATABASE_URL);
  for (const s of builtServices()) {
    if (!s.schema) continue;
    const pool = createPool(cfg.DATABASE_URL, s.schema, 1);
    try {
      const r = await migrateService(
        pool,
        s.schema,
        path.join(root, 'services', s.name, 'prisma', 'migrations'),
        logger,
      );
      const squash = r.baselined.length
        ? `, ${r.baselined.join(', ')} recorded without running (the migrations it replaces were there)`
        : '';
      console.log(`${s.name}: ${r.applied.length} applied${squash}, ${r.skipped} already there`);
    } finally {
      await pool.end();
    }
  }
}
main().catch((err: unknown) => {
  console.error((err as Error).message);
  process.exit(1);
});
