import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';

// The one Prisma CLI config of the repository. scripts/prisma.mjs runs the CLI from a service's folder
// with `--config` pointing here, so the schema is that folder's prisma/schema.prisma.
// Prisma's CLI runs offline only with the wasm engine and a driver adapter (its native engines are
// downloads). `migrate diff` between two schema files never queries the database; the adapter, and
// a schema path, are still required.
export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.resolve('prisma', 'schema.prisma'),
  async adapter() {
    return new PrismaPg({
      connectionString: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
    });
  },
});
