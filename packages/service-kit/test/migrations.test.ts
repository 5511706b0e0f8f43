import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { BUS_MIGRATIONS } from '@pc/bus';
import { adminQuery, freshDatabase, migrationsDir, PG_ADMIN_URL, repoRoot, services, withDatabase } from '@pc/testkit';
import { createPool, migrate } from '../src';

const prisma = path.join(repoRoot, 'node_modules', '.bin', 'prisma');
const prismaIn = (service: string, args: string[]) =>
  spawnSync(prisma, [...args, '--config', path.join(repoRoot, 'prisma.config.ts')], {
    cwd: path.join(repoRoot, 'services', service),
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: PG_ADMIN_URL, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
  });

function dumpSchema(databaseUrl: string, schema: string): string {
  const lines = execFileSync(
    'pg_dump',
    [
      '--schema-only',
      '--no-owner',
      '--no-privileges',
      `--schema=${schema}`,
      '--exclude-table',
      `${schema}._migrations`,
      databaseUrl,
    ],
    { encoding: 'utf8' },
  )
    .split('\n')
    .filter(
      (l) =>
        !l.startsWith('--') &&
        !l.startsWith('SET ') &&
        !l.startsWith('SELECT pg_catalog') &&
        !/^\\(un)?restrict /.test(l) &&
        l.trim() !== '',
    );
  // A column added by a later migration comes last in the table while the schema may list it
  // earlier: compare each table's columns as a set, everything else line by line.
  const out: string[] = [];
  let columns: string[] | null = null;
  for (const l of lines) {
    if (l.startsWith('CREATE TABLE ')) {
      out.push(l);
      columns = [];
      continue;
    }
    if (columns && l.startsWith(');')) {
      out.push(...columns.sort(), l);
      columns = null;
      continue;
    }
    if (columns) columns.push(l.trim().replace(/,$/, ''));
    else out.push(l);
  }
  return out.join('\n');
}

function writeMigration(dir: string, name: string, sql: string): string {
  fs.mkdirSync(path.join(dir, name), { recursive: true });
  fs.writeFileSync(path.join(dir, name, 'migration.sql'), sql);
  return crypto.createHash('sha256').update(sql).digest('hex');
}

// Every service of infra/services.json that has a PostgreSQL schema: the list the drift check runs on.
const withSchema = services().filter((s) => s.schema);

describe('migrations', () => {
  it('checks every service of infra/services.json that has a schema, each with a Prisma schema, migrations and a snapshot', () => {
    const withPrismaSchema = fs
      .readdirSync(path.join(repoRoot, 'services'))
      .filter((d) => fs.existsSync(path.join(repoRoot, 'services', d, 'prisma', 'schema.prisma')))
      .sort();
    expect(withSchema.length).toBeGreaterThan(0);
    expect(withSchema.map((s) => s.name).sort()).toEqual(withPrismaSchema);
    for (const s of withSchema) {
      const dir = migrationsDir(s.name);
      expect(
        fs.readdirSync(dir).filter((d) => fs.existsSync(path.join(dir, d, 'migration.sql'))).length,
      ).toBeGreaterThan(0);
      expect(fs.existsSync(path.join(dir, 'snapshot.prisma'))).toBe(true);
    }
  });

  it.each(withSchema.map((s) => [s.name, s.schema!]))(
    'a database migrated from empty matches the Prisma schema of %s plus the bus tables',
    async (name, schema) => {
      const migrated = await freshDatabase(); // the template was built by running every migration, the bus's first
      const fromSchema = `${process.env.PC_TEST_RUN}_direct_${schema}`;
      await adminQuery(`CREATE DATABASE ${fromSchema}`);
      const url = withDatabase(PG_ADMIN_URL, fromSchema);
      const diff = prismaIn(name, [
        'migrate',
        'diff',
        '--from-empty',
        '--to-schema-datamodel',
        'prisma/schema.prisma',
        '--script',
      ]);
      expect(diff.status).toBe(0);
      // What the schema declares, next to the bus's tables as its own migrations create them: a service
      // migration that touched the outbox or inbox, or a bus table missing from the template, shows here.
      const pool = createPool(url, schema, 1);
      try {
        await migrate(pool, schema, [BUS_MIGRATIONS]);
        await pool.query(diff.stdout.replace(/CREATE SCHEMA IF NOT EXISTS "public";/, ''));
      } finally {
        await pool.end();
      }
      const dump = dumpSchema(migrated, schema);
      expect(dump).toMatch(/CREATE TABLE \w+\.outbox /);
      expect(dump).toMatch(/CREATE TABLE \w+\.inbox /);
      expect(dump).toEqual(dumpSchema(url, schema));
    },
    120_000,
  ); // the Prisma CLI alone takes seconds on a loaded machine

  // The next `pnpm db:diff` starts from the snapshot: it must be the schema the migrations lead to,
  // which the test above shows is schema.prisma.
  it.each(withSchema.map((s) => [s.name]))(
    'the snapshot of %s declares what its schema.prisma declares',
    (name) => {
      const r = prismaIn(name, [
        'migrate',
        'diff',
        '--from-schema-datamodel',
        'prisma/migrations/snapshot.prisma',
        '--to-schema-datamodel',
        'prisma/schema.prisma',
        '--exit-code',
      ]);
      expect({ status: r.status, out: r.stdout }).toEqual({
        status: 0,
        out: expect.stringContaining('No difference detected'),
      });
    },
    120_000,
  );

  it('applies pending files in order once, and refuses a migration edited after it was applied', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mig-'));
    fs.mkdirSync(path.join(dir, '001_a'));
    fs.writeFileSync(path.join(dir, '001_a', 'migration.sql'), 'CREATE TABLE a (id int);');
    fs.mkdirSync(path.join(dir, '002_b'));
    fs.writeFileSync(path.join(dir, '002_b', 'migration.sql'), 'CREATE TABLE b (a int);');
    const pool = createPool(await freshDatabase(), 'migtest', 2);
    try {
      expect((await migrate(pool, 'migtest', dir)).applied).toEqual(['001_a', '002_b']);
      expect((await migrate(pool, 'migtest', dir)).applied).toEqual([]);
      fs.writeFileSync(path.join(dir, '001_a', 'migration.sql'), 'CREATE TABLE a (id bigint);');
      await expect(migrate(pool, 'migtest', dir)).rejects.toThrow(/001_a was edited after being applied/);
    } finally {
      await pool.end();
    }
  });

  it('rolls back a failing migration entirely and names it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mig-'));
    fs.mkdirSync(path.join(dir, '001_bad'));
    fs.writeFileSync(
      path.join(dir, '001_bad', 'migration.sql'),
      'CREATE TABLE half (id int); SELECT no_such_function();',
    );
    const pool = createPool(await freshDatabase(), 'migbad', 2);
    try {
      await expect(migrate(pool, 'migbad', dir)).rejects.toThrow(/migbad\/001_bad failed/);
      const { rowCount } = await pool.query(
        "SELECT 1 FROM information_schema.tables WHERE table_schema = 'migbad' AND table_name = 'half'",
      );
      expect(rowCount).toBe(0);
    } finally {
      await pool.end();
    }
  });

  it('lets concurrent replicas start at once: each migration is applied exactly once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mig-'));
    fs.mkdirSync(path.join(dir, '001_a'));
    fs.writeFileSync(path.join(dir, '001_a', 'migration.sql'), 'CREATE TABLE a (id int);');
    const url = await freshDatabase();
    const pools = [createPool(url, 'migrace', 2), createPool(url, 'migrace', 2), createPool(url, 'migrace', 2)];
    try {
      const results = await Promise.all(pools.map((p) => migrate(p, 'migrace', dir)));
      expect(results.map((r) => r.applied.length).sort()).toEqual([0, 0, 1]);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  it('applies a prefixed source first and records it under its prefix, beside a service file of the same name', async () => {
    const bus = fs.mkdtempSync(path.join(os.tmpdir(), 'mig-'));
    const own = fs.mkdtempSync(path.join(os.tmpdir(), 'mig-'));
    writeMigration(bus, '0001_a', 'CREATE TABLE a (id int PRIMARY KEY);');
    writeMigration(own, '0001_a', 'CREATE TABLE b (a int REFERENCES a (id));'); // needs the bus's table: order matters
    const pool = createPool(await freshDatabase(), 'migpre', 2);
    try {
      expect((await migrate(pool, 'migpre', [{ dir: bus, prefix: 'bus' }, { dir: own }])).applied).toEqual([
        'bus/0001_a',
        '0001_a',
      ]);
      const { rows } = await pool.query('SELECT name FROM migpre._migrations ORDER BY name');
      expect(rows.map((r) => r.name)).toEqual(['0001_a', 'bus/0001_a']);
    } finally {
      await pool.end();
    }
  });

  describe('a squash (`-- replaces <name> <sha256>` lines)', () => {
    // Before the squash: two migrations. After: one file that creates the same tables and names them.
    const before = fs.mkdtempSync(path.join(os.tmpdir(), 'mig-'));
    const shaA = writeMigration(before, '001_a', 'CREATE TABLE a (id int);');
    const shaB = writeMigration(before, '002_b', 'CREATE TABLE b (a int);');
    const after = fs.mkdtempSync(path.join(os.tmpdir(), 'mig-'));
    writeMigration(
      after,
      '003_squash',
      `-- replaces 001_a ${shaA}\n-- replaces 002_b ${shaB}\nCREATE TABLE a (id int);\nCREATE TABLE b (a int);\n`,
    );
    const tables = async (pool: pg.Pool, schema: string) =>
      (
        await pool.query('SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1', [
          schema,
        ])
      ).rows.map((r) => r.table_name);

    it('runs on an empty database', async () => {
      const pool = createPool(await freshDatabase(), 'migsq', 2);
      try {
        expect(await migrate(pool, 'migsq', after)).toEqual({ applied: ['003_squash'], baselined: [], skipped: 0 });
        expect(await tables(pool, 'migsq')).toEqual(['_migrations', 'a', 'b']);
      } finally {
        await pool.end();
      }
    });

    it('is recorded without running where every migration it replaces was applied, and the old rows stay', async () => {
      const pool = createPool(await freshDatabase(), 'migsq', 2);
      try {
        await migrate(pool, 'migsq', before);
        await pool.query('INSERT INTO migsq.a VALUES (1)');
        // Running the squash here would fail (the tables exist): recording it is the only way to pass.
        expect(await migrate(pool, 'migsq', after)).toEqual({ applied: [], baselined: ['003_squash'], skipped: 0 });
        expect(await migrate(pool, 'migsq', after)).toEqual({ applied: [], baselined: [], skipped: 1 });
        expect((await pool.query('SELECT name FROM migsq._migrations ORDER BY name')).rows.map((r) => r.name)).toEqual([
          '001_a',
          '002_b',
          '003_squash',
        ]);
        expect((await pool.query('SELECT count(*)::int AS n FROM migsq.a')).rows[0].n).toBe(1);
      } finally {
        await pool.end();
      }
    });

    it('refuses a database that applied only some of the migrations it replaces, or one of them edited', async () => {
      const partial = fs.mkdtempSync(path.join(os.tmpdir(), 'mig-'));
      writeMigration(partial, '001_a', 'CREATE TABLE a (id int);');
      const edited = fs.mkdtempSync(path.join(os.tmpdir(), 'mig-'));
      writeMigration(edited, '001_a', 'CREATE TABLE a (id int);');
      writeMigration(edited, '002_b', 'CREATE TABLE b (a bigint);');
      const url = await freshDatabase();
      const p1 = createPool(url, 'migpart', 2);
      const p2 = createPool(url, 'migedit', 2);
      try {
        await migrate(p1, 'migpart', partial);
        await expect(migrate(p1, 'migpart', after)).rejects.toThrow(
          /003_squash replaces migrations this database applied only in part \(missing: 002_b\)/,
        );
        await migrate(p2, 'migedit', edited);
        await expect(migrate(p2, 'migedit', after)).rejects.toThrow(
          /003_squash replaces 002_b, which this database applied with another checksum/,
        );
        expect((await p1.query('SELECT count(*)::int AS n FROM migpart._migrations')).rows[0].n).toBe(1);
        expect((await p2.query('SELECT count(*)::int AS n FROM migedit._migrations')).rows[0].n).toBe(2);
      } finally {
        await p1.end();
        await p2.end();
      }
    });
  });
});
