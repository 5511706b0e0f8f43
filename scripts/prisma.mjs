#!/usr/bin/env node
// Prisma without its native engines (wasm engine and a driver adapter, see prisma.config.ts):
//   node scripts/prisma.mjs generate [service]    generate every (or one) service's client, offline
//   node scripts/prisma.mjs diff <service> <name> write the SQL from the last migration's schema to the
//                                                 current schema.prisma as prisma/migrations/<ts>_<name>/
// `migrate diff` cannot start from the migrations themselves without a shadow database, so each
// service keeps ONE snapshot, prisma/migrations/snapshot.prisma: the schema its last migration leads
// to. `diff` starts from it and, once the migration is written, replaces it with the current schema.
// The migration runner applies only the migration.sql files.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const prisma = path.join(root, 'node_modules', '.bin', 'prisma');
// One config for every service: the CLI runs in the service's folder and reads prisma/schema.prisma there.
const config = ['--config', path.join(root, 'prisma.config.ts')];
// The CLI resolves env("DATABASE_URL") even when it never connects; any local URL will do.
const env = {
  ...process.env,
  DATABASE_URL: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
};
const servicesWithSchema = () =>
  fs
    .readdirSync(path.join(root, 'services'))
    .filter((s) => fs.existsSync(path.join(root, 'services', s, 'prisma', 'schema.prisma')));
const SNAPSHOT_BANNER =
  '// Written by `pnpm db:diff`: the schema the last migration in this folder leads to, where the next\n' +
  '// diff starts. Do not edit; change ../schema.prisma and run `pnpm db:diff <service> <name>`.\n';

const [cmd, service, name] = process.argv.slice(2);
if (cmd === 'generate') {
  for (const s of service ? [service] : servicesWithSchema()) {
    execFileSync(prisma, ['generate', ...config], {
      cwd: path.join(root, 'services', s),
      env,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    console.log(`prisma client generated for ${s}`);
  }
} else if (cmd === 'diff' && service && name) {
  const dir = path.join(root, 'services', service);
  const migrations = path.join(dir, 'prisma', 'migrations');
  const snapshot = path.join(migrations, 'snapshot.prisma');
  fs.mkdirSync(migrations, { recursive: true });
  const from = fs.existsSync(snapshot) ? ['--from-schema-datamodel', snapshot] : ['--from-empty'];
  const sql = execFileSync(
    prisma,
    ['migrate', 'diff', ...config, ...from, '--to-schema-datamodel', 'prisma/schema.prisma', '--script'],
    { cwd: dir, env, encoding: 'utf8' },
  )
    // The service's schema comes from the connection's search_path, never from the file.
    .replace(/^-- CreateSchema\nCREATE SCHEMA IF NOT EXISTS "public";\n\n/m, '');
  if (!/\b(CREATE|ALTER|DROP)\b/.test(sql)) {
    console.log('no schema change');
    process.exit(0);
  }
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const out = path.join(migrations, `${stamp}_${name}`);
  fs.mkdirSync(out);
  fs.writeFileSync(path.join(out, 'migration.sql'), sql);
  fs.writeFileSync(snapshot, SNAPSHOT_BANNER + fs.readFileSync(path.join(dir, 'prisma', 'schema.prisma'), 'utf8'));
  console.log(`wrote ${path.relative(root, out)}/migration.sql and updated ${path.relative(root, snapshot)}`);
} else {
  console.error('usage: prisma.mjs generate [service] | prisma.mjs diff <service> <name>');
  process.exit(2);
}
