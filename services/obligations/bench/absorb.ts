/**
 * pnpm bench absorb-obligations — how fast the obligations service absorbs a burst from the bus.
 *
 * Fresh database (every service's migrations) and vhost. Two phases, each run the same way:
 *  1. the messages are published to the real broker while the service is stopped, so they wait in
 *     its queue and, bound to the same routing keys, in a raw queue of the same kind (quorum);
 *  2. raw limit: a plain consumer drains the raw queue, acking each message, nothing else
 *     (prefetch 1000: the broker's best case for one consumer);
 *  3. the service is started and timed until the last message has taken effect.
 * Phase "snapshots": N agreement.registered.v1 (2 obligations each, shaped as the agreements service
 * builds its snapshots after a CSV import), done when every obligation is stored and the outbox holds
 * no unpublished obligation.transitioned.v1 (a durable sink queue stores them, as the system's
 * consumers would). Phase "reminder outcomes": M reminder.sent/failed.v1, done when every delivery
 * row is stored. Printed: events/s, the raw consume rate, their ratio (target ≥ 0.25), load average.
 * Env: BENCH_AGREEMENTS (default 20000), BENCH_REMINDERS (default 40000).
 */
import crypto from 'node:crypto';
import os from 'node:os';
import pg from 'pg';
import { BusConnection, EXCHANGE, eventMessage, pgTransact, QUEUES } from '@pc/bus';
import { parseEventData, type EventData, type EventType } from '@pc/contracts';
import { createLogger, createPool } from '@pc/service-kit';
import { benchEnv, TEST_INTERNAL_SECRET } from '@pc/testkit';
import { startObligations, type RunningService } from '../src/main';
import { loadObligationsConfig } from '../src/config';
import { createAgreements } from '../src/adapters/snapshot-store';

const AGREEMENTS = Number(process.env.BENCH_AGREEMENTS ?? 20_000);
const REMINDERS = Number(process.env.BENCH_REMINDERS ?? 40_000);
const uuid = (): string => crypto.randomUUID();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

interface Outgoing {
  type: EventType;
  data: unknown;
  subject: string;
  source: string;
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** A funder's programme and N agreements of a CSV import: one requirement (count 2) each, due 90 days after the end. */
function importBurst(n: number): Outgoing[] {
  const funderId = uuid();
  const programmeId = uuid();
  const actor = { kind: 'api_key' as const, id: uuid() };
  const programme: EventData<'programme.registered.v1'> = {
    programmeId,
    funderId,
    code: 'MOBILISATION',
    name: 'Mobilisation des savoirs',
    sector: null,
    praxisFeeds: [],
    reminderStages: [],
    actor,
  };
  const out: Outgoing[] = [
    { type: 'programme.registered.v1', data: programme, subject: programmeId, source: 'agreements' },
  ];
  for (let i = 0; i < n; i++) {
    const agreementId = uuid();
    const requirementId = uuid();
    const endDate = addDays('2027-06-30', i % 365);
    const due = addDays(endDate, 90);
    const data: EventData<'agreement.registered.v1'> = {
      agreementId,
      funderId,
      programmeId,
      programmeCode: 'MOBILISATION',
      externalRef: `FQ-2027-${String(i).padStart(5, '0')}`,
      referenceCode: `PX-${crypto.randomBytes(2).toString('hex').toUpperCase()}-${crypto.randomBytes(2).toString('hex').toUpperCase()}`,
      title: `Cuisine collective de quartier nº ${i}`,
      startDate: '2027-01-01',
      endDate,
      signedAt: '2026-12-10',
      grantee: { id: uuid(), name: `Cuisines solidaires ${i}`, neq: String(1_000_000_000 + i) },
      contacts: [{ name: `Contact ${i}`, email: `contact${i}@example.org`, locale: 'fr' }],
      obligations: [1, 2].map((sequence) => ({
        id: uuid(),
        requirementId,
        kind: 'learning_note' as const,
        sequence,
        dueDate: due,
      })),
      revision: 1,
      actor,
    };
    out.push({ type: 'agreement.registered.v1', data, subject: agreementId, source: 'agreements' });
  }
  return out;
}

/** What the notifier reports after a run's digests: one outcome per (reminder, contact), a few failures. */
function outcomes(n: number): Outgoing[] {
  const runId = uuid();
  const funderId = uuid();
  const at = new Date('2027-06-01T10:00:00Z');
  return Array.from({ length: n }, (_, i): Outgoing => {
    const base = {
      reminderId: uuid(),
      runId,
      obligationId: uuid(),
      funderId,
      stageKey: 'D-30',
      contactRef: crypto.createHash('sha256').update(`c${i}`).digest('hex').slice(0, 16),
    };
    const when = new Date(at.getTime() + i).toISOString();
    if (i % 20 === 19)
      return {
        type: 'reminder.failed.v1',
        data: {
          ...base,
          email: `c${i}@example.org`,
          permanent: i % 40 === 39,
          reason: '550 mailbox unavailable',
          at: when,
        },
        subject: base.reminderId,
        source: 'notifier',
      };
    return {
      type: 'reminder.sent.v1',
      data: { ...base, messageId: `<${uuid()}@praxis-compliance>`, sentAt: when },
      subject: base.reminderId,
      source: 'notifier',
    };
  });
}

type Channel = Awaited<ReturnType<BusConnection['channel']>>;

async function publishAll(ch: Channel, events: Outgoing[]): Promise<number> {
  const start = performance.now();
  for (const [i, e] of events.entries()) {
    const m = eventMessage({
      id: uuid(),
      type: e.type,
      subject: e.subject,
      data: parseEventData(e.type, e.data),
      time: new Date(),
      source: e.source,
    });
    ch.publish(EXCHANGE, m.routingKey, m.content, m.options);
    if (i % 1000 === 999) await ch.waitForConfirms();
  }
  await ch.waitForConfirms();
  return performance.now() - start;
}

/** The raw limit: drain `queue` with a consumer that only acks (one ack per message), in ms. */
async function rawDrain(bus: BusConnection, queue: string, expected: number, prefetch: number): Promise<number> {
  const ch = await bus.channel();
  await ch.prefetch(prefetch);
  let seen = 0;
  const start = performance.now();
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const { consumerTag } = await ch.consume(queue, (msg) => {
    if (!msg) return;
    ch.ack(msg);
    if (++seen === expected) resolveDone();
  });
  await done;
  const ms = performance.now() - start;
  await ch.cancel(consumerTag);
  await ch.close();
  return ms;
}

async function rawQueue(ch: Channel, name: string, keys: string[]): Promise<void> {
  await ch.assertQueue(name, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  for (const k of keys) await ch.bindQueue(name, EXCHANGE, k);
}

async function main(): Promise<void> {
  const env = await benchEnv();
  const cfg = loadObligationsConfig({
    DATABASE_URL: env.databaseUrl,
    AMQP_URL: env.amqpUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    INTERNAL_SECRET: TEST_INTERNAL_SECRET,
  });
  const logger = createLogger('obligations-bench', 'warn');
  const db = new pg.Client({ connectionString: env.databaseUrl, options: '-c search_path=obligations' });
  await db.connect();
  const bus = await BusConnection.connect(env.amqpUrl, logger);
  const ch = await bus.channel();
  const count = async (sql: string, params: unknown[] = []): Promise<number> =>
    Number((await db.query(`SELECT count(*)::int AS n FROM ${sql}`, params)).rows[0].n);
  let svc: RunningService | null = null;
  const rows: string[] = [];
  const rates = new Map<string, number>();
  try {
    // The service declares its queues and bindings once, then stops: the bursts wait for it.
    svc = await startObligations(cfg, logger);
    await svc.stop();
    svc = null;
    await rawQueue(ch, 'bench.raw.snapshots', ['programme.registered.v1', 'agreement.registered.v1']);
    await rawQueue(ch, 'bench.raw.outcomes', ['reminder.sent.v1', 'reminder.failed.v1']);
    // The transitions the service emits are stored by the broker, as the agreements and reports queues would.
    await ch.assertQueue('bench.sink', { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await ch.bindQueue('bench.sink', EXCHANGE, 'obligation.transitioned.v1');
    console.log(`load average before: ${load()}  (${os.cpus().length} cores)`);

    const phase = async (
      name: string,
      events: Outgoing[],
      rawName: string,
      queue: string,
      done: () => Promise<boolean>,
    ): Promise<void> => {
      const publishMs = await publishAll(ch, events);
      const rawMs = await rawDrain(bus, rawName, events.length, 1000);
      const start = performance.now();
      svc = await startObligations(cfg, logger);
      const bootMs = performance.now() - start;
      let consumedMs = 0;
      let peakUnpublished = 0; // how far the outbox relay fell behind the consumer
      for (;;) {
        peakUnpublished = Math.max(peakUnpublished, await count('outbox WHERE published_at IS NULL'));
        if (!consumedMs && (await count('inbox WHERE consumer = $1', [queue])) === events.length)
          consumedMs = performance.now() - start;
        if (consumedMs && (await done())) break;
        await sleep(50);
      }
      const totalMs = performance.now() - start;
      await svc.stop();
      svc = null;
      const rate = (events.length / totalMs) * 1000;
      rates.set(name, rate);
      const raw = (events.length / rawMs) * 1000;
      console.log(
        `${name}: ${events.length} events published in ${(publishMs / 1000).toFixed(1)} s; service boot ${bootMs.toFixed(0)} ms, ` +
          `all consumed at ${(consumedMs / 1000).toFixed(2)} s, all applied${name === 'snapshots' ? ' and outbox drained' : ''} at ${(totalMs / 1000).toFixed(2)} s; ` +
          `outbox rows awaiting the relay at most ${peakUnpublished}`,
      );
      rows.push(
        `| ${name.padEnd(17)} | ${String(events.length).padStart(6)} | ${rate.toFixed(0).padStart(8)} | ${raw.toFixed(0).padStart(9)} | ${(rate / raw).toFixed(2).padStart(5)} | ${load()} |`,
      );
    };

    await phase(
      'snapshots',
      importBurst(AGREEMENTS),
      'bench.raw.snapshots',
      QUEUES.obligationsAgreements,
      async () =>
        (await count('obligation')) === AGREEMENTS * 2 &&
        (await count(`outbox WHERE published_at IS NULL`)) === 0 &&
        (await count(`outbox WHERE type = 'obligation.transitioned.v1'`)) === AGREEMENTS * 2,
    );
    await phase(
      'reminder outcomes',
      outcomes(REMINDERS),
      'bench.raw.outcomes',
      QUEUES.obligationsReminders,
      async () => (await count('reminder_delivery')) === REMINDERS,
    );
    const sink = await ch.checkQueue('bench.sink');
    console.log(`obligation.transitioned.v1 stored by the broker: ${sink.messageCount}`);

    // The database's share: the batch's creating statement alone (no broker, no inbox, no decoding),
    // 500 new agreements per transaction as the consumer's batches are, on the same database.
    const sqlRuns = Math.max(1, Math.round(Math.min(AGREEMENTS, 5_000) / 500));
    const pool = createPool(env.databaseUrl, 'obligations', 2);
    const sqlStart = performance.now();
    for (let k = 0; k < sqlRuns; k++) {
      const batch = importBurst(500)
        .slice(1)
        .map((e) => e.data as EventData<'agreement.registered.v1'>);
      await pgTransact(pool)((tx) =>
        createAgreements(
          tx,
          batch.map((snapshot) => ({
            snapshot,
            statuses: snapshot.obligations.map(() => 'upcoming' as const),
            reason: 'agreement registered',
            actor: snapshot.actor,
          })),
          new Date(),
        ),
      );
    }
    const sqlRate = ((sqlRuns * 500) / (performance.now() - sqlStart)) * 1000;
    await pool.end();
    console.log('\n| phase             | events | events/s | raw msg/s | ratio | load average (1, 5, 15 min) |');
    console.log('|---|---|---|---|---|---|');
    for (const r of rows) console.log(r);
    const snapshotRate = rates.get('snapshots') ?? 0;
    console.log(
      `\nsnapshots through the SQL statement alone: ${sqlRate.toFixed(0)}/s (${sqlRuns} × 500); ` +
        `the consumer reaches ${((snapshotRate / sqlRate) * 100).toFixed(0)}% of it`,
    );
    console.log(
      '\nevents/s: from the service start to the last effect (boot included); raw: ack-only consumer, same run.',
    );
  } finally {
    await svc?.stop();
    await ch.close().catch(() => undefined);
    await bus.close().catch(() => undefined);
    await db.end();
    await env.cleanup();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
