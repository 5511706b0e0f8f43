/**
 * `pnpm bench <name>` runs one benchmark; `pnpm bench` lists them; `pnpm bench all` runs every one.
 * Each prints its figures and the ratio to the raw limit it measures in the same run.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { root } from './services';

const benches: Record<string, string> = {
  bus: 'packages/bus/bench/bus.ts',
  intake: 'services/agreements/bench/intake.ts',
  evaluate: 'services/obligations/bench/evaluate.ts',
  'absorb-obligations': 'services/obligations/bench/absorb.ts',
  praxis: 'services/praxis-connector/bench/praxis.ts',
  notify: 'services/notifier/bench/notify.ts',
  report: 'services/reports/bench/report.ts',
};

const name = process.argv[2];
const available = Object.entries(benches).filter(([, f]) => fs.existsSync(path.join(root, f)));
if (!name) {
  console.log('usage: pnpm bench <name>|all\n' + available.map(([n, f]) => `  ${n.padEnd(20)} ${f}`).join('\n'));
  process.exit(0);
}
const chosen = name === 'all' ? available : available.filter(([n]) => n === name);
if (chosen.length === 0) {
  console.error(`unknown benchmark ${name}`);
  process.exit(2);
}
let failed = 0;
for (const [n, f] of chosen) {
  console.log(`\n=== bench ${n} ===`);
  const r = spawnSync(path.join(root, 'node_modules', '.bin', 'tsx'), [path.join(root, f), ...process.argv.slice(3)], {
    stdio: 'inherit',
    cwd: root,
  });
  if (r.status !== 0) failed += 1;
}
process.exit(failed ? 1 : 0);
