import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from './logger';

/**
 * A pool whose connections all live in one PostgreSQL schema (search_path): each service owns its
 * schema and never reads another's. Prisma uses this same pool through @prisma/adapter-pg.
 */
export function createPool(databaseUrl: string, schema: string, max = 10): pg.Pool {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
  return new pg.Pool({
    connectionString: databaseUrl,
    max,
    options: `-c search_path=${schema}`,
    application_name: schema,
  });
}

/**
 * Where migrations come from. Several sources share one schema and one history table: a package
 * that owns tables in every service's schema (the bus's outbox and inbox) ships its own. A source
 * with a `prefix` records its files as `<prefix>/<name>`, so they never collide with a service's
 * `<timestamp>_<name>`; the service's own source has no prefix (names already recorded stay valid).
 */
export interface MigrationSource {
  dir: string;
  prefix?: string;
}

export interface MigrationResult {
  applied: string[];
  /** squash migrations recorded without running: the database had applied every migration they replace */
  baselined: string[];
  skipped: number;
}

/**
 * A squash migration declares, in header lines `-- replaces <name> <sha256>`, the migrations it took
 * the place of (their files were deleted when it was written).
 */
function replacedBy(sql: string): { name: string; sha: string }[] {
  return [...sql.matchAll(/^-- replaces (\S+) ([0-9a-f]{64})$/gm)].map((m) => ({ name: m[1]!, sha: m[2]! }));
}

/**
 * Applies `<dir>/<name>/migration.sql` files, source after source and in name order within one,
 * each in its own transaction, under an advisory lock (several replicas may start at once),
 * recording name and sha256. An applied file that was edited afterwards is refused: migrations are
 * append-only. A squash (see `replacedBy`) runs on a database that has none of the migrations it
 * replaces, is recorded without running on one that has all of them with the same checksums, and
 * is refused on one that has only some: that database must first be brought up to date by a release
 * that still has those files.
 */
export async function migrate(
  pool: pg.Pool,
  schema: string,
  sources: string | MigrationSource[],
  logger?: Logger,
): Promise<MigrationResult> {
  const files = (typeof sources === 'string' ? [{ dir: sources }] : sources).flatMap(({ dir, prefix }) =>
    (fs.existsSync(dir)
      ? fs
          .readdirSync(dir)
          .filter((d) => fs.existsSync(path.join(dir, d, 'migration.sql')))
          .sort()
      : []
    ).map((d) => ({ name: prefix ? `${prefix}/${d}` : d, file: path.join(dir, d, 'migration.sql') })),
  );
  const client = await pool.connect();
  const applied: string[] = [];
  const baselined: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`migrate:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${schema}._migrations (
      name text PRIMARY KEY, sha256 text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ name: string; sha256: string }>(
      `SELECT name, sha256 FROM ${schema}._migrations`,
    );
    const done = new Map(rows.map((r) => [r.name, r.sha256]));
    for (const { name, file } of files) {
      const sql = fs.readFileSync(file, 'utf8');
      const sha = crypto.createHash('sha256').update(sql).digest('hex');
      const known = done.get(name);
      if (known) {
        if (known !== sha)
          throw new Error(`migration ${schema}/${name} was edited after being applied (checksum mismatch)`);
        continue;
      }
      const replaced = replacedBy(sql);
      const present = replaced.filter((r) => done.has(r.name));
      if (present.length > 0 && present.length < replaced.length) {
        const missing = replaced
          .filter((r) => !done.has(r.name))
          .map((r) => r.name)
          .join(', ');
        throw new Error(
          `migration ${schema}/${name} replaces migrations this database applied only in part (missing: ${missing}): migrate it with a release that still has them first`,
        );
      }
      const edited = present.find((r) => done.get(r.name) !== r.sha);
      if (edited)
        throw new Error(
          `migration ${schema}/${name} replaces ${edited.name}, which this database applied with another checksum`,
        );
      const baseline = present.length > 0; // every replaced migration is there: the schema is already in this state
      await client.query('BEGIN');
      try {
        await client.query(`SET LOCAL search_path TO ${schema}`);
        if (!baseline) await client.query(sql);
        await client.query(`INSERT INTO ${schema}._migrations(name, sha256) VALUES ($1, $2)`, [name, sha]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${schema}/${name} failed: ${(err as Error).message}`);
      }
      // The replaced rows stay in the history: a checkout from before the squash still sees them applied.
      (baseline ? baselined : applied).push(name);
      logger?.info(
        { schema, migration: name },
        baseline ? 'migration recorded: the database had every migration it replaces' : 'migration applied',
      );
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`migrate:${schema}`]).catch(() => undefined);
    client.release();
  }
  return { applied, baselined, skipped: files.length - applied.length - baselined.length };
}

/** Creates the database named in the URL when it does not exist (first `pnpm start` on a machine). */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } catch (err) {
    if ((err as { code?: string }).code !== '42P04') throw err; // created concurrently
  } finally {
    await admin.end();
  }
}
