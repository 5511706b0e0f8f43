import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { repoRoot } from './infra';

/**
 * Starts a TypeScript entry point as ONE process doing the work: node itself with tsx's loader.
 * (`node_modules/.bin/tsx` is a wrapper that spawns the real node process: a SIGKILL on the wrapper
 * leaves the service running, re-parented to 1.) The child leads its own process group, so a kill
 * reaches anything it started, and it is ended when the test process exits, whatever happened.
 */
export function spawnTs(
  file: string,
  opts: { env?: NodeJS.ProcessEnv; stdio?: StdioOptions; args?: string[] } = {},
): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...(opts.args ?? [])], {
    cwd: repoRoot,
    env: { ...process.env, ...opts.env },
    stdio: opts.stdio ?? 'ignore',
    detached: true,
  });
  started.add(child);
  child.once('exit', () => started.delete(child));
  return child;
}

const started = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of started)
    if (c.pid)
      try {
        process.kill(-c.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
});

/** True while a process with this pid exists (a reaped child no longer does). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * SIGKILLs a child's whole process group, waits until it has exited, and throws unless its pid is
 * gone: a fault test that goes on while the "killed" worker still runs proves nothing.
 */
export async function killHard(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (!pid) throw new Error('killHard: the child has no pid (it never started)');
  const exited =
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
  await exited;
  if (isAlive(pid)) throw new Error(`killHard: process ${pid} is still alive after SIGKILL`);
  // what it started (tsx's esbuild service) went with the group; give the kernel a moment to reap it
  for (let i = 0; i < 40 && isAlive(-pid); i++) await new Promise((r) => setTimeout(r, 50));
  if (isAlive(-pid)) throw new Error(`killHard: process group ${pid} still has members after SIGKILL`);
}
