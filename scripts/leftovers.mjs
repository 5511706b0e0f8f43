// Finds the processes a test run left behind, names them and ends them.
// Every process the run starts inherits PC_TEST_MARK (set by scripts/test.mjs), so a process still
// carrying this run's mark after the run is a leak, whoever its parent now is (a killed wrapper's
// child is re-parented to 1). Node processes started from this checkout and orphaned by an earlier
// run are ended too, with a warning: they accumulate on a developer's machine otherwise.
import fs from 'node:fs';

function read(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function ancestors() {
  const out = new Set();
  for (let pid = process.pid; pid > 1;) {
    out.add(pid);
    const stat = read(`/proc/${pid}/stat`);
    if (!stat) break;
    pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  }
  return out;
}

/** @returns {{ pid: number, cmd: string, ours: boolean }[]} */
export function findLeftovers(mark, root) {
  const mine = ancestors();
  const found = [];
  for (const entry of fs.readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || mine.has(pid)) continue;
    const environ = read(`/proc/${pid}/environ`);
    const cmdline = read(`/proc/${pid}/cmdline`);
    const stat = read(`/proc/${pid}/stat`);
    if (environ === null || cmdline === null || stat === null) continue;
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (state[0] === 'Z') continue; // a zombie is already dead; its parent reaps it
    const cmd = cmdline.split('\0').join(' ').trim();
    const ours = environ.split('\0').includes(`PC_TEST_MARK=${mark}`);
    const orphanFromCheckout = state[1] === '1' && cmd.includes(`${root}/`) && /(^|\/)node /.test(cmd);
    if (ours || orphanFromCheckout) found.push({ pid, cmd: cmd.slice(0, 200), ours });
  }
  return found;
}

/** Names and SIGKILLs the leftovers; returns how many this run left (earlier runs' orphans excluded). */
export function endLeftovers(mark, root, when) {
  const left = findLeftovers(mark, root);
  for (const p of left) {
    const whose = p.ours ? `left by this test run (${when})` : 'orphaned by an earlier run';
    console.error(`leftover process ${p.pid}, ${whose}: ${p.cmd}`);
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      /* gone meanwhile */
    }
  }
  return left.filter((p) => p.ours).length;
}

// As a command (`node scripts/leftovers.mjs <mark>`): ends this mark's leftovers; exit 1 if any.
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const mark = process.argv[2];
  if (!mark) {
    console.error('usage: node scripts/leftovers.mjs <PC_TEST_MARK>');
    process.exit(2);
  }
  const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
  process.exit(endLeftovers(mark, root, 'check') > 0 ? 1 : 0);
}
