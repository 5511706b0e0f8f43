/**
 * `pnpm bench <name>` runs one benchmark; `pnpm bench` lists them; `pnpm bench all` runs every one.
 * Each prints its figures and the ratio to the raw limit it measures in the same run.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { root } from './services';

const benches: Record<string, string> = {
  bus: 'packages/bus/bench/bus.ts',
  'absorb-agreements': 'services/agreements/bench/absorb.ts',
  'absorb-notifier': 'services/notifier/bench/absorb.ts',
  'absorb-connector': 'services/praxis-connector/bench/absorb.ts',
  intake: 'services/agreements/bench/intake.ts',
  evaluate: 'services/obligations/bench/evaluate.ts',
  'list-obligations': 'services/obligations/bench/list.ts',
  'read-your-writes': 'tests/bench/read-your-writes.ts',
  'absorb-obligations': 'services/obligations/bench/absorb.ts',
  praxis: 'services/praxis-connector/bench/praxis.ts',
  notify: 'services/notifier/bench/notify.ts',
  report: 'services/reports/bench/report.ts',
  'report-ingest': 'services/reports/bench/ingest.ts',
  pipeline: 'scripts/bench-pipeline/main.ts',
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
/**
 * Each bench runs as node itself with tsx's loader (the tsx CLI is a wrapper that SIGKILLs its child
 * when the child does not acknowledge a Ctrl-C within 30 ms, e.g. during a synchronous call: a bench
 * must be able to stop what it started). Its output is inherited; a Ctrl-C reaches it through the
 * terminal's process group, a signal sent to this process only is passed on, and this process waits
 * for the bench to finish its cleanup.
 */
function runOne(file: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, file), ...process.argv.slice(3)], {
      stdio: 'inherit',
      cwd: root,
    });
    const pass = (sig: NodeJS.Signals): void => {
      if (child.exitCode === null) child.kill(sig);
    };
    process.on('SIGINT', pass);
    process.on('SIGTERM', pass);
    child.once('exit', (code, signal) => {
      process.off('SIGINT', pass);
      process.off('SIGTERM', pass);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

async function main(): Promise<void> {
  let failed = 0;
  for (const [n, f] of chosen) {
    console.log(`\n=== bench ${n} ===`);
    if ((await runOne(f)) !== 0) failed += 1;
  }
  process.exit(failed ? 1 : 0);
}

void main();
