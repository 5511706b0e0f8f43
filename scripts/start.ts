/**
 * `pnpm start`: creates the database if needed, starts every service of this checkout (each
 * migrates its own schema at boot), waits until each is ready, prints the base URL, and stops them
 * all cleanly on Ctrl-C. Honours PORT, DATABASE_URL, AMQP_URL, SMTP_URL, PRAXIS_BASE_URL,
 * ADMIN_TOKEN, MAIL_FROM (see README). Services listen on loopback; only the edge is public.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { provisionBrokerUsers } from '@pc/bus';
import { baseEnv, ensureDatabase, loadConfig } from '@pc/service-kit';
import { builtServices } from './services';
import { spawnService, stopServices, waitReady, type RunningService } from './system';

/**
 * One broker user per service with only its own queues and event types (new passwords at each
 * start), when the broker is this machine's (rabbitmqctl answers). BROKER_USERS=off keeps the
 * single AMQP_URL for every service, e.g. for a managed broker whose users are made elsewhere.
 */
function brokerUrls(amqpUrl: string, services: string[]): Record<string, string> {
  if (process.env.BROKER_USERS === 'off') return {};
  const host = new URL(amqpUrl).hostname;
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) return {};
  try {
    execFileSync('rabbitmqctl', ['-q', 'status'], { stdio: 'ignore' });
  } catch {
    console.warn('rabbitmqctl not available: every service uses AMQP_URL as given (BROKER_USERS=off)');
    return {};
  }
  return provisionBrokerUsers(amqpUrl, services);
}

async function main(): Promise<void> {
  const cfg = loadConfig({ DATABASE_URL: baseEnv.DATABASE_URL, AMQP_URL: baseEnv.AMQP_URL });
  await ensureDatabase(cfg.DATABASE_URL);
  const generatedAdmin = !process.env.ADMIN_TOKEN;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ADMIN_TOKEN: process.env.ADMIN_TOKEN ?? `adm_${crypto.randomBytes(24).toString('base64url')}`,
    INTERNAL_SECRET: process.env.INTERNAL_SECRET ?? crypto.randomBytes(32).toString('base64url'),
    // the notifier signs the contact links of reminder emails with it, the web service checks them
    CONTACT_LINK_SECRET: process.env.CONTACT_LINK_SECRET ?? crypto.randomBytes(32).toString('base64url'),
  };
  const services = builtServices();
  const amqpUrls = brokerUrls(
    cfg.AMQP_URL,
    services.filter((s) => s.schema !== null).map((s) => s.name), // the simulator has no broker
  );
  const publicPort = Number(process.env.PORT ?? 8080);
  for (const s of services)
    if (s.urlEnv && !env[s.urlEnv]) env[s.urlEnv] = `http://127.0.0.1:${s.name === 'edge' ? publicPort : s.port}`;
  const children: RunningService[] = [];
  let stopping = false;
  const stopAll = async (code: number): Promise<never> => {
    stopping = true;
    // each service exits on its own within its 10 s backstop; no SIGKILL from here
    await stopServices(children, Infinity);
    process.exit(code);
  };
  process.on('SIGINT', () => {
    void stopAll(0);
  });
  process.on('SIGTERM', () => {
    void stopAll(0);
  });
  for (const s of services) {
    const svc = spawnService(s, s.name === 'edge' ? publicPort : s.port, {
      ...env,
      ...(amqpUrls[s.name] ? { AMQP_URL: amqpUrls[s.name] } : {}),
    });
    svc.child.on('exit', (code) => {
      if (!stopping) {
        console.error(`${s.name} exited (${code}); stopping everything`);
        void stopAll(1);
      }
    });
    children.push(svc);
  }
  try {
    await Promise.all(children.map((c) => waitReady(c)));
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
