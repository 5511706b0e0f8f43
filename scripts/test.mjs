#!/usr/bin/env node
// Runs the test suite in two passes — parallel, then the broker/database fault tests serially
// (they stop the broker every other test uses) — and ends with the one line CI reads:
// "Tests: N passed, N failed".
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const outDir = path.join(root, '.test-results');
fs.mkdirSync(outDir, { recursive: true });
const extra = process.argv.slice(2);
const jest = path.join(root, 'node_modules', 'jest', 'bin', 'jest.js');
const passes = [
  ['default', ['--selectProjects', 'default', '--maxWorkers=2']],
  ['chaos', ['--selectProjects', 'chaos', '--runInBand']],
];
let passed = 0, failed = 0, code = 0;
for (const [name, args] of passes) {
  const out = path.join(outDir, `${name}.json`);
  fs.rmSync(out, { force: true });
  const r = spawnSync(process.execPath, [jest, ...args, '--passWithNoTests', '--json', `--outputFile=${out}`, ...extra], { stdio: 'inherit', cwd: root });
  if (fs.existsSync(out)) {
    const j = JSON.parse(fs.readFileSync(out, 'utf8'));
    passed += j.numPassedTests; failed += j.numFailedTests;
    if (j.numRuntimeErrorTestSuites > 0) { failed += j.numRuntimeErrorTestSuites; }
  } else {
    failed += 1;
  }
  if (r.status !== 0) code = r.status ?? 1;
}
console.log(`Tests: ${passed} passed, ${failed} failed`);
process.exit(code !== 0 || failed > 0 ? 1 : 0);
