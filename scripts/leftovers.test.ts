import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { isAlive } from '@pc/testkit';

// The leftover check must catch a real leak: a process carrying the run's mark, orphaned from the
// test that started it, is named, ended, and makes the check fail.
it('names and ends a process a test run left behind, and fails the check', async () => {
  const mark = `leak-${crypto.randomUUID()}`;
  const leak = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
    env: { ...process.env, PC_TEST_MARK: mark },
    detached: true,
    stdio: 'ignore',
  });
  leak.unref();
  const pid = leak.pid!;
  const gone = new Promise((resolve) => leak.once('exit', resolve));
  try {
    expect(isAlive(pid)).toBe(true);
    const r = spawnSync(process.execPath, [path.join(__dirname, 'leftovers.mjs'), mark], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`leftover process ${pid}, left by this test run`);
    await gone;
    expect(isAlive(pid)).toBe(false);
    // once ended, the same check passes
    expect(spawnSync(process.execPath, [path.join(__dirname, 'leftovers.mjs'), mark]).status).toBe(0);
  } finally {
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
});
