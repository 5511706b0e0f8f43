import type { ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import {
  eventually,
  isAlive,
  killHard,
  spawnTs,
  startSmtpSink,
  testEnv,
  type SmtpSink,
  type TestEnv,
} from '@pc/testkit';
import { loadNotifierConfig } from '../src/config';
import { startNotifier, type RunningService } from '../src/main';
import { agreement, count, due, dueEvents, fastEnv, funder, ids, programme, publish, runClosed } from './support';

// The notifier is SIGKILLed while it is sending a run of 1,000 stages (500 digests); after a restart
// every stage reaches the SMTP server in exactly one distinct message (Message-ID), none is lost,
// and reminder.sent is recorded once per stage.
jest.setTimeout(180_000);

const STAGES = 1000;
const CONTACTS = 500;
let t: TestEnv;
let sink: SmtpSink;
let db: pg.Pool;
let child: ChildProcess | null = null;
let svc: RunningService | null = null;

let proxy: net.Server;

/**
 * The child reaches the sink through this relay: a SIGKILLed client resets its sockets, and the
 * testkit sink has no 'error' listener (the reset would crash the test process). Here the reset is
 * absorbed and the sink sees an ordinary close.
 */
function relay(port: number): Promise<net.Server> {
  const server = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('error', () => upstream.end());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.end());
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  sink = await startSmtpSink();
  proxy = await relay(sink.port);
  const proxyPort = (proxy.address() as net.AddressInfo).port;
  t = await testEnv({
    SMTP_URL: `smtp://127.0.0.1:${proxyPort}`,
    ...fastEnv,
    REMINDER_LEASE_MS: '3000',
    SMTP_POOL_SIZE: '2',
  });
  db = new pg.Pool({ connectionString: t.databaseUrl, max: 2, options: '-c search_path=notifier' });
});
afterAll(async () => {
  if (child) await killHard(child);
  await svc?.stop();
  await db?.end();
  await new Promise((r) => proxy?.close(r));
  await sink?.close();
  t?.cleanup();
});

function startChild(): Promise<ChildProcess> {
  // node itself with tsx's loader (the tsx CLI would fork a grandchild that SIGKILL does not reach)
  const proc = spawnTs(path.join(__dirname, 'fixtures', 'notifier-child.ts'), {
    env: t.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let err = '';
    proc.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
    });
    proc.stdout!.on('data', (c: Buffer) => {
      if (c.toString().includes('ready')) resolve(proc);
    });
    proc.on('exit', (code) => reject(new Error(`child exited ${code}: ${err}`)));
  });
}

it('killed mid-batch of 1,000 stages → after restart each stage delivered exactly once (distinct Message-IDs at the sink)', async () => {
  child = await startChild();
  const f = funder('Fondation Crash');
  const p = programme(f, 'CRASH', 'Crash');
  const runId = crypto.randomUUID();
  const stages = Array.from({ length: STAGES }, (_, i) => {
    const c = i % CONTACTS;
    const g = agreement(p, `CR-${i}`, { id: ids(`grantee:cr${c}`), name: `Org ${c}` }, [
      { name: `Contact ${c}`, email: `c${c}@crash.example`, locale: 'fr' },
    ]);
    return due(g, { runId, asOf: '2027-06-15', dueDate: '2027-07-15' });
  });
  await publish(t.amqpUrl, [
    { type: 'funder.registered.v1', data: f },
    { type: 'programme.registered.v1', data: p },
    ...dueEvents(stages),
    runClosed(runId, '2027-06-15', STAGES),
  ]);

  await eventually(async () => sink.messages.length >= 40, 'first messages out', 60_000, 5);
  const senderPid = child.pid!;
  await killHard(child);
  expect(isAlive(senderPid)).toBe(false);
  await new Promise((r) => setTimeout(r, 300)); // let the sink finish parsing what it had accepted
  const atKill = sink.messages.length;
  const sendingAtKill = await count(db, `SELECT count(*) AS n FROM digest WHERE state = 'sending'`);
  expect(atKill).toBeLessThan(CONTACTS); // really mid-batch

  svc = await startNotifier(loadNotifierConfig({ ...t.env, SMTP_URL: sink.url, SMTP_POOL_SIZE: '5' }));
  await eventually(
    async () => (await count(db, `SELECT count(*) AS n FROM reminder_delivery WHERE state = 'sent'`)) === STAGES,
    'every stage recorded sent',
    120_000,
    200,
  );

  const byMessageId = new Map<string, Set<string>>();
  for (const m of sink.messages) {
    const obligations = new Set(
      [...(m.parsed.text ?? '').matchAll(/\/grantee\/obligations\/([0-9a-f-]{36})/g)].map((x) => x[1]!),
    );
    byMessageId.set(m.parsed.messageId!, obligations);
  }
  // every stage in exactly one distinct message
  const seen = new Map<string, number>();
  for (const obligations of byMessageId.values()) for (const o of obligations) seen.set(o, (seen.get(o) ?? 0) + 1);
  expect(seen.size).toBe(STAGES);
  expect([...seen.values()].every((n) => n === 1)).toBe(true);
  expect(byMessageId.size).toBe(CONTACTS);
  // SMTP cannot make a resend after "250 but not recorded" disappear: such a copy carries the SAME
  // Message-ID, and there are at most as many as digests in flight at the kill.
  const duplicates = sink.messages.length - byMessageId.size;
  expect(duplicates).toBeLessThanOrEqual(Math.min(sendingAtKill, 8)); // 8 = sends in flight in the child (SMTP_POOL_SIZE 2 × 4)
  // the bus hears of each stage once
  expect(await count(db, `SELECT count(*) AS n FROM outbox WHERE type = 'reminder.sent.v1'`)).toBe(STAGES);
  expect(
    await count(db, `SELECT count(DISTINCT data->>'reminderId') AS n FROM outbox WHERE type = 'reminder.sent.v1'`),
  ).toBe(STAGES);
  process.stdout.write(
    `crash test: ${atKill} messages at kill, ${sendingAtKill} digests in flight, ${duplicates} same-Message-ID resends\n`,
  );
});
