import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { adminQuery, builtServices, freshDatabase, migrationsDir, PG_ADMIN_URL, repoRoot, withDatabase } from '@pc/testkit';
import { createPool, migrate } from '../src';

const prisma = path.join(repoRoot, 'node_modules', '.bin', 'prisma');

function dumpSchema(databaseUrl: string, schema: string): string {
  const lines = execFileSync('pg_dump', ['--schema-only', '--no-owner', '--no-privileges', `--schema=${schema}`, '--exclude-table', `${schema}._migrations`, databaseUrl], { encoding: 'utf8' })
    .split('\n').filter((l) => !l.startsWith('--') && !l.startsWith('SET ') && !l.startsWith('SELECT pg_catalog') && !/^\\(un)?restrict /.test(l) && l.trim() !== '');
  // A column added by a later migration comes last in the table while the schema may list it
  // earlier: compare each table's columns as a set, everything else line by line.
  const out: string[] = [];
  let columns: string[] | null = null;
  for (const l of lines) {
    if (l.startsWith('CREATE TABLE ')) { out.push(l); columns = []; continue; }
    if (columns && l.startsWith(');')) { out.push(...columns.sort(), l); columns = null; continue; }
    if (columns) columns.push(l.trim().replace(/,$/, '')); else out.push(l);
  }
  return out.join('\n');
}

describe('migrations', () => {
  const services = builtServices().filter((s) => s.schema);

  it.each(services.map((s) => [s.name, s.schema!]))('a database migrated from empty matches the Prisma schema of %s', async (name, schema) => {
    const migrated = await freshDatabase(); // the template was built by running every migration
    const fromSchema = `${process.env.PC_TEST_RUN}_direct_${schema}`;
    await adminQuery(`CREATE DATABASE ${fromSchema}`);
    const url = withDatabase(PG_ADMIN_URL, fromSchema);
    const sql = execFileSync(prisma, ['migrate', 'diff', '--from-empty', '--to-schema-datamodel', 'prisma/schema.prisma', '--script'], {
      cwd: path.join(repoRoot, 'services', name), encoding: 'utf8', env: { ...process.env, DATABASE_URL: PG_ADMIN_URL },
    });
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(`CREATE SCHEMA ${schema}; SET search_path TO ${schema};`);
    await c.query(sql.replace(/CREATE SCHEMA IF NOT EXISTS "public";/, ''));
    await c.end();
    expect(dumpSchema(migrated, schema)).toEqual(dumpSchema(url, schema));
  }, 60_000);

  it('applies pending files in order once, and refuses a migration edited after it was applied', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mig-'));
    fs.mkdirSync(path.join(dir, '001_a')); fs.writeFileSync(path.join(dir, '001_a', 'migration.sql'), 'CREATE TABLE a (id int);');
    fs.mkdirSync(path.join(dir, '002_b')); fs.writeFileSync(path.join(dir, '002_b', 'migration.sql'), 'CREATE TABLE b (a int);');
    const pool = createPool(await freshDatabase(), 'migtest', 2);
    try {
      expect((await migrate(pool, 'migtest', dir)).applied).toEqual(['001_a', '002_b']);
      expect((await migrate(pool, 'migtest', dir)).applied).toEqual([]);
      fs.writeFileSync(path.join(dir, '001_a', 'migration.sql'), 'CREATE TABLE a (id bigint);');
      await expect(migrate(pool, 'migtest', dir)).rejects.toThrow(/001_a was edited after being applied/);
    } finally { await pool.end(); }
  });

  it('rolls back a failing migration entirely and names it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mig-'));
    fs.mkdirSync(path.join(dir, '001_bad'));
    fs.writeFileSync(path.join(dir, '001_bad', 'migration.sql'), 'CREATE TABLE half (id int); SELECT no_such_function();');
    const pool = createPool(await freshDatabase(), 'migbad', 2);
    try {
      await expect(migrate(pool, 'migbad', dir)).rejects.toThrow(/migbad\/001_bad failed/);
      const { rowCount } = await pool.query("SELECT 1 FROM information_schema.tables WHERE table_schema = 'migbad' AND table_name = 'half'");
      expect(rowCount).toBe(0);
    } finally { await pool.end(); }
  });

  it('lets concurrent replicas start at once: each migration is applied exactly once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mig-'));
    fs.mkdirSync(path.join(dir, '001_a')); fs.writeFileSync(path.join(dir, '001_a', 'migration.sql'), 'CREATE TABLE a (id int);');
    const url = await freshDatabase();
    const pools = [createPool(url, 'migrace', 2), createPool(url, 'migrace', 2), createPool(url, 'migrace', 2)];
    try {
      const results = await Promise.all(pools.map((p) => migrate(p, 'migrace', dir)));
      expect(results.map((r) => r.applied.length).sort()).toEqual([0, 0, 1]);
    } finally { await Promise.all(pools.map((p) => p.end())); }
  });
});

it('the migrations folder of every built service exists', () => {
  for (const s of builtServices().filter((x) => x.schema)) expect(fs.existsSync(migrationsDir(s.name))).toBe(true);
});
