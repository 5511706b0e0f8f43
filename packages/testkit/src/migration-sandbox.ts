import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { testEnv, type TestEnv } from './service-env';

/**
 * A data migration is tested on the data it meets: a schema of its own in a fresh database, brought
 * to the state before the migration by running earlier migration files, filled by the test, then
 * the migration under test run on it.
 */
export interface MigrationSandbox {
  db: pg.Client;
  /** Runs the migration whose folder name ends with `suffix` (e.g. `_baseline`). */
  run(suffix: string): Promise<void>;
  cleanup(): Promise<void>;
}

export async function migrationSandbox(migrationsDir: string, schema: string): Promise<MigrationSandbox> {
  const env: TestEnv = await testEnv();
  const db = new pg.Client({ connectionString: env.databaseUrl });
  await db.connect();
  await db.query(`CREATE SCHEMA ${schema}; SET search_path = ${schema}`);
  const file = (suffix: string): string => {
    const folder = fs.readdirSync(migrationsDir).find((d) => d.endsWith(suffix));
    if (!folder) throw new Error(`no migration ending with ${suffix} in ${migrationsDir}`);
    return path.join(migrationsDir, folder, 'migration.sql');
  };
  return {
    db,
    async run(suffix) {
      await db.query(fs.readFileSync(file(suffix), 'utf8'));
    },
    async cleanup() {
      await db.end();
      env.cleanup();
    },
  };
}
