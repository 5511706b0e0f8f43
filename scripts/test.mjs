#!/usr/bin/env node
// Runs the test suite in two passes — parallel, then the broker/database fault tests serially
// (they stop the broker every other test uses) — and ends with the one line CI reads:
// "Tests: N passed, N failed". After each pass, a process the pass left running is named, ended and
// counted as a failure (scripts/leftovers.mjs).
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { endLeftovers } from './leftovers.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const outDir = path.join(root, '.test-results');
fs.mkdirSync(outDir, { recursive: true });
const extra = process.argv.slice(2);
const jest = path.join(root, 'node_modules', 'jest', 'bin', 'jest.js');
const passes = [
  ['default', ['--selectProjects', 'default', '--maxWorkers=2']],
  ['chaos', ['--selectProjects', 'chaos', '--runInBand']],
];
const mark = crypto.randomUUID();
let passed = 0,
  failed = 0,
  code = 0;
for (const [name, args] of passes) {
  const out = path.join(outDir, `${name}.json`);
  fs.rmSync(out, { force: true });
  const r = spawnSync(
    process.execPath,
    [jest, ...args, '--passWithNoTests', '--json', `--outputFile=${out}`, ...extra],
    { stdio: 'inherit', cwd: root, env: { ...process.env, PC_TEST_MARK: mark } },
  );
  if (fs.existsSync(out)) {
    const j = JSON.parse(fs.readFileSync(out, 'utf8'));
    passed += j.numPassedTests;
    failed += j.numFailedTests;
    if (j.numRuntimeErrorTestSuites > 0) {
      failed += j.numRuntimeErrorTestSuites;
    }
  } else {
    failed += 1;
  }
  if (r.status !== 0) code = r.status ?? 1;
  const left = endLeftovers(mark, root, `${name} pass`);
  if (left > 0) {
    console.error(
      `${left} process(es) left running by the ${name} pass: a test does not clean up, or its kill missed the real process`,
    );
    failed += 1;
  }
}
console.log(`Tests: ${passed} passed, ${failed} failed`);
process.exit(code !== 0 || failed > 0 ? 1 : 0);
