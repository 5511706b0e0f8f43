import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';

// `pnpm contracts:lint` (in `pnpm contracts:check`, so in the README's test command) holds the
// contract to redocly's recommended rules plus this project's (contracts/redocly.yaml). Here: the
// contract passes with no error, and each kind of regression the rules exist for makes it fail.
const contracts = path.join(__dirname, '../../contracts');
const cli = path.join(contracts, 'node_modules/@redocly/cli/bin/cli.js');
const config = path.join(contracts, 'redocly.yaml');

interface Operation {
  summary?: string;
  operationId?: string;
  responses: Record<string, unknown>;
}
type Doc = { info: Record<string, unknown>; paths: Record<string, Record<string, Operation>> };

function lint(...files: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [cli, 'lint', ...files, `--config=${config}`, '--format=json'], {
    encoding: 'utf8',
    env: { ...process.env, REDOCLY_TELEMETRY: 'off' },
    timeout: 120_000,
  });
  return { status: r.status, out: r.stdout };
}

interface Problem {
  ruleId: string;
  severity: string;
  location: Array<{ source: { ref: string } }>;
}
/** Every problem reported; the CLI prints one pretty-printed JSON report per file, glued (`}{`). */
const problems = (out: string): Problem[] =>
  out
    .replace(/^\}\{$/gm, '}\n{')
    .split(/^(?=\{$)/m)
    .filter((part) => part.trim())
    .flatMap((part) => (JSON.parse(part) as { problems: Problem[] }).problems);

const createFunder = (doc: Doc): Operation => doc.paths['/v1/funders']!.post!;

/** Each regression the rules exist for, and the rule that must catch it. */
const REGRESSIONS: Array<[string, string, (d: Doc) => void]> = [
  ['an operation without summary', 'operation-summary', (d) => delete createFunder(d).summary],
  ['an operation without operationId', 'operation-operationId', (d) => delete createFunder(d).operationId],
  [
    'an operationId that is not camelCase',
    'rule/operation-id-camel-case',
    (d) => (createFunder(d).operationId = 'create_funder'),
  ],
  [
    'an operation with no 4xx response',
    'operation-4xx-response',
    (d) => {
      const r = createFunder(d).responses;
      for (const code of Object.keys(r)) if (code.startsWith('4')) delete r[code];
    },
  ],
  [
    'a 4xx answered as plain JSON instead of problem+json',
    'operation-4xx-problem-details-rfc7807',
    (d) =>
      (createFunder(d).responses['404'] = {
        description: 'not found',
        content: { 'application/json': { schema: { type: 'object' } } },
      }),
  ],
  ['no licence', 'info-license', (d) => delete d.info.license],
];

let dir = '';
/** Errors found in each changed copy, by regression (one CLI run lints them all). */
const errorsOf = new Map<string, string[]>();
let changedStatus: number | null = null;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pc-openapi-lint-'));
  const files = REGRESSIONS.map(([what, , change], i) => {
    const doc = parse(fs.readFileSync(path.join(contracts, 'openapi.yaml'), 'utf8')) as Doc;
    change(doc);
    const file = path.join(dir, `regression-${i}.yaml`);
    fs.writeFileSync(file, stringify(doc));
    errorsOf.set(what, []);
    return file;
  });
  const r = lint(...files);
  changedStatus = r.status;
  for (const p of problems(r.out)) {
    const i = Number(/regression-(\d+)\.yaml$/.exec(p.location[0]?.source.ref ?? '')?.[1]);
    if (p.severity === 'error' && Number.isInteger(i)) errorsOf.get(REGRESSIONS[i]![0])!.push(p.ruleId);
  }
}, 120_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

it('the contract has no error and no warning under the rules', () => {
  const r = lint(path.join(contracts, 'openapi.yaml'));
  expect(r.status).toBe(0);
  expect(problems(r.out).map((p) => `${p.severity} ${p.ruleId}`)).toEqual([]);
});

it.each(REGRESSIONS)('%s fails the lint (%s)', (what, rule) => {
  expect(changedStatus).not.toBe(0);
  expect(errorsOf.get(what)).toContain(rule);
});
