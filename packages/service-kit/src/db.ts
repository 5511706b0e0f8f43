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
  return new pg.Pool({ connectionString: databaseUrl, max, options: `-c search_path=${schema}`, application_name: schema });
}

export interface MigrationResult { applied: string[]; skipped: number }

/**
 * Applies `<dir>/<name>/migration.sql` files in name order, each in its own transaction, under an
 * advisory lock (several replicas may start at once), recording name and sha256. An applied file
 * that was edited afterwards is refused: migrations are append-only.
 */
export async function migrate(pool: pg.Pool, schema: string, dir: string, logger?: Logger): Promise<MigrationResult> {
  const files = fs.existsSync(dir)
    ? fs.readdirSync(dir).filter((d) => fs.existsSync(path.join(dir, d, 'migration.sql'))).sort()
    : [];
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`migrate:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${schema}._migrations (
      name text PRIMARY KEY, sha256 text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ name: string; sha256: string }>(`SELECT name, sha256 FROM ${schema}._migrations`);
    const done = new Map(rows.map((r) => [r.name, r.sha256]));
    for (const name of files) {
      const sql = fs.readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      const sha = crypto.createHash('sha256').update(sql).digest('hex');
      const known = done.get(name);
      if (known) {
        if (known !== sha) throw new Error(`migration ${schema}/${name} was edited after being applied (checksum mismatch)`);
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(`SET LOCAL search_path TO ${schema}`);
        await client.query(sql);
        await client.query(`INSERT INTO ${schema}._migrations(name, sha256) VALUES ($1, $2)`, [name, sha]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${schema}/${name} failed: ${(err as Error).message}`);
      }
      applied.push(name);
      logger?.info({ schema, migration: name }, 'migration applied');
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`migrate:${schema}`]).catch(() => undefined);
    client.release();
  }
  return { applied, skipped: files.length - applied.length };
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
