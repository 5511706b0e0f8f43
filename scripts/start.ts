/**
 * `pnpm start`: creates the database if needed, starts every service of this checkout (each
 * migrates its own schema at boot), waits until each is ready, prints the base URL, and stops them
 * all cleanly on Ctrl-C. Honours PORT, DATABASE_URL, AMQP_URL, SMTP_URL, PRAXIS_BASE_URL,
 * ADMIN_TOKEN, MAIL_FROM (see README). Services listen on loopback; only the edge is public.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { baseEnv, ensureDatabase, loadConfig } from '@pc/service-kit';
import { builtServices, root } from './services';

async function waitReady(name: string, port: number, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode}`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (r.ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${name} not ready after ${timeoutMs} ms`);
}

function prefix(name: string, stream: NodeJS.ReadableStream, out: NodeJS.WritableStream): void {
  let buf = '';
  stream.on('data', (c: Buffer) => {
    buf += c.toString();
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const l of lines) out.write(`[${name}] ${l}\n`);
  });
}

async function main(): Promise<void> {
  const cfg = loadConfig({ DATABASE_URL: baseEnv.DATABASE_URL });
  await ensureDatabase(cfg.DATABASE_URL);
  const generatedAdmin = !process.env.ADMIN_TOKEN;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ADMIN_TOKEN: process.env.ADMIN_TOKEN ?? `adm_${crypto.randomBytes(24).toString('base64url')}`,
    INTERNAL_SECRET: process.env.INTERNAL_SECRET ?? crypto.randomBytes(32).toString('base64url'),
  };
  const services = builtServices();
  const publicPort = Number(process.env.PORT ?? 8080);
  for (const s of services)
    if (s.urlEnv && !env[s.urlEnv]) env[s.urlEnv] = `http://127.0.0.1:${s.name === 'edge' ? publicPort : s.port}`;
  const children: Array<{ name: string; child: ChildProcess; port: number }> = [];
  let stopping = false;
  const stopAll = async (code: number): Promise<never> => {
    stopping = true;
    for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGTERM');
    await Promise.all(
      children.map((c) => (c.child.exitCode !== null ? null : new Promise((r) => c.child.once('exit', r)))),
    );
    process.exit(code);
  };
  process.on('SIGINT', () => {
    void stopAll(0);
  });
  process.on('SIGTERM', () => {
    void stopAll(0);
  });
  for (const s of services) {
    const port = s.name === 'edge' ? publicPort : s.port;
    // node itself with tsx's loader: the pid we signal is the service (the tsx CLI is a wrapper)
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'services', s.name, 'src', 'main.ts')], {
      cwd: root,
      env: { ...env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: false,
    });
    prefix(s.name, child.stdout!, process.stdout);
    prefix(s.name, child.stderr!, process.stderr);
    child.on('exit', (code) => {
      if (!stopping) {
        console.error(`${s.name} exited (${code}); stopping everything`);
        void stopAll(1);
      }
    });
    children.push({ name: s.name, child, port });
  }
  try {
    await Promise.all(children.map((c) => waitReady(c.name, c.port, c.child)));
  } catch (err) {
    console.error((err as Error).message);
    await stopAll(1);
  }
  console.log(
    `\nPraxis compliance is running: http://localhost:${publicPort}  (${services.map((s) => s.name).join(', ')})`,
  );
  if (generatedAdmin) console.log(`Bootstrap admin token (set ADMIN_TOKEN to choose it): ${env.ADMIN_TOKEN}`);
  console.log('Ctrl-C stops every service.');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
