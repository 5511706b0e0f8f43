/**
 * How the system runs as separate processes: one node process per service (node itself with tsx's
 * loader, so the pid signalled is the service; the tsx CLI is a wrapper), readiness through
 * `/readyz`, output prefixed with the service's name, and a stop that signals every process and
 * waits for it. Shared by `pnpm start` and `pnpm bench pipeline`, so the bench measures the system
 * exactly as it is started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { root, type ServiceInfo } from './services';

export interface RunningService {
  name: string;
  port: number;
  child: ChildProcess;
  /** leads its own process group */
  detached: boolean;
}

/** Writes a stream's lines to `out`, each prefixed with `[name]`. */
export function prefixLines(name: string, stream: NodeJS.ReadableStream, out: NodeJS.WritableStream): void {
  let buf = '';
  stream.on('data', (c: Buffer) => {
    buf += c.toString();
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const l of lines) out.write(`[${name}] ${l}\n`);
  });
}

/**
 * Starts one service of this checkout on `port`. `detached`: the service leads its own process group
 * (a terminal's Ctrl-C reaches only the caller, which then stops it; a group kill reaches anything
 * it started).
 */
export function spawnService(
  s: ServiceInfo,
  port: number,
  env: NodeJS.ProcessEnv,
  opts: { detached?: boolean; out?: NodeJS.WritableStream; err?: NodeJS.WritableStream } = {},
): RunningService {
  const detached = opts.detached ?? false;
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'services', s.name, 'src', 'main.ts')], {
    cwd: root,
    env: { ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached,
  });
  prefixLines(s.name, child.stdout!, opts.out ?? process.stdout);
  prefixLines(s.name, child.stderr!, opts.err ?? process.stderr);
  return { name: s.name, port, child, detached };
}

/** Resolves once the service answers 200 on /readyz; rejects if it exits first or after `timeoutMs`. */
export async function waitReady(svc: RunningService, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (svc.child.exitCode !== null) throw new Error(`${svc.name} exited with code ${svc.child.exitCode}`);
    try {
      const r = await fetch(`http://127.0.0.1:${svc.port}/readyz`);
      if (r.ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${svc.name} not ready after ${timeoutMs} ms`);
}

const exited = (c: ChildProcess): boolean => c.exitCode !== null || c.signalCode !== null;

/**
 * SIGTERM to every service still running (graceful shutdown: drain, flush the outbox), then, after
 * `graceMs` (Infinity: never), SIGKILL to those that have not exited (to the process group of a
 * detached one).
 * Resolves when every child has exited.
 */
export async function stopServices(services: RunningService[], graceMs = 15_000): Promise<void> {
  const signal = (s: RunningService, sig: NodeJS.Signals): void => {
    if (exited(s.child) || !s.child.pid) return;
    try {
      if (s.detached) process.kill(-s.child.pid, sig);
      else s.child.kill(sig);
    } catch {
      /* already gone */
    }
  };
  const all = Promise.all(services.map((s) => (exited(s.child) ? null : new Promise((r) => s.child.once('exit', r)))));
  for (const s of services) signal(s, 'SIGTERM');
  if (!Number.isFinite(graceMs)) {
    await all;
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((r) => {
    timer = setTimeout(() => r('late'), graceMs);
  });
  if ((await Promise.race([all, late])) === 'late') {
    for (const s of services) signal(s, 'SIGKILL');
    await all;
  }
  clearTimeout(timer);
}

/** A TCP port free on loopback right now (the kernel's choice), for a service started next. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
