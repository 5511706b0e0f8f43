import path from 'node:path';
import type pg from 'pg';
import { migrate, type Logger, type MigrationResult, type MigrationSource } from '@pc/service-kit';

/** The bus's own tables (outbox, inbox), created in the schema of every service that uses it. */
export const BUS_MIGRATIONS: MigrationSource = { dir: path.join(__dirname, '..', 'migrations'), prefix: 'bus' };

/**
 * Migrates a service's schema: the bus's tables first, so a service migration may refer to them (a
 * backfill that emits events), then the service's own `prisma/migrations`. The runtime at boot,
 * `pnpm db:migrate` and the test kit all call this, so every database is built the same way.
 */
export function migrateService(
  pool: pg.Pool,
  schema: string,
  migrationsDir: string,
  logger?: Logger,
): Promise<MigrationResult> {
  return migrate(pool, schema, [BUS_MIGRATIONS, { dir: migrationsDir }], logger);
}
