import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

// The lint rule that keeps domain/ pure must fail on real violations, not only exist. One ESLint
// run (the project's own config, type-aware) over probe files written into a service's domain/.
const root = path.resolve(__dirname, '..');
const domain = path.join(root, 'services', 'obligations', 'src', 'domain');
const probes: Record<string, string> = {
  'lint-probe-pg.ts': "import pg from 'pg';\nexport const x = pg;\n",
  'lint-probe-prisma.ts':
    "import { PrismaClient } from '../generated/prisma/client';\nexport const x = PrismaClient;\n",
  'lint-probe-adapter.ts': "import * as clock from '../adapters/clock';\nexport const x = clock;\n",
  'lint-probe-amqp.ts': "import amqp from 'amqplib';\nexport const x = amqp;\n",
  'lint-probe-pure.ts': "import { z } from 'zod';\nexport const x = z.string();\n",
};

interface LintResult {
  filePath: string;
  messages: { ruleId: string | null; message: string }[];
}
let results: LintResult[] = [];

beforeAll(() => {
  for (const [name, source] of Object.entries(probes)) fs.writeFileSync(path.join(domain, name), source);
  try {
    const r = spawnSync(
      process.execPath,
      [
        path.join(root, 'node_modules', 'eslint', 'bin', 'eslint.js'),
        '--format',
        'json',
        ...Object.keys(probes).map((n) => path.join(domain, n)),
      ],
      { cwd: root, encoding: 'utf8', maxBuffer: 16 << 20 },
    );
    results = JSON.parse(r.stdout) as LintResult[];
  } finally {
    for (const name of Object.keys(probes)) fs.rmSync(path.join(domain, name), { force: true });
  }
}, 120_000);

const messagesOf = (name: string) => results.find((r) => r.filePath.endsWith(`/${name}`))!.messages;

it.each(['lint-probe-pg.ts', 'lint-probe-prisma.ts', 'lint-probe-adapter.ts', 'lint-probe-amqp.ts'])(
  '%s: a domain file doing I/O fails lint',
  (name) => {
    expect(messagesOf(name)).toEqual([
      expect.objectContaining({ ruleId: 'no-restricted-imports', message: expect.stringContaining('domain/ is pure') }),
    ]);
  },
);

it('a pure domain file passes', () => {
  expect(messagesOf('lint-probe-pure.ts')).toEqual([]);
});
