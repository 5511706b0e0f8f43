/**
 * pnpm bench report-ingest — a funder with 20,000 agreements and 40,000 obligations.
 * Measures, in one run on this machine:
 *  1. the raw bus rate: amqplib confirm-channel publish + consume/ack through a quorum queue;
 *  2. read-model throughput (events/s applied, read model + audit chain) with the batched consumer,
 *     and, on a 2,000-event sample, with one transaction per message (REPORTS_BATCH_SIZE=1);
 *  3. the time to produce the compliance report in each format (json, csv, html, pdf) over HTTP.
 * Uses a throwaway database and vhost, dropped at the end.
 */
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import amqp from 'amqplib';
import pg from 'pg';
import { EXCHANGE } from '@pc/bus';
import { createLogger } from '@pc/service-kit';
import { asPrincipal, PG_ADMIN_URL, withDatabase, AMQP_BASE, adminQuery, TEST_INTERNAL_SECRET } from '@pc/testkit';
import { startReports } from '../src/main';
import { loadReportsConfig } from '../src/config';

const AGREEMENTS = Number(process.env.BENCH_AGREEMENTS ?? 20_000);
const RAW_MESSAGES = Number(process.env.BENCH_RAW ?? 20_000);
const SAMPLE = Number(process.env.BENCH_SAMPLE ?? 2_000);
const uuid = (): string => crypto.randomUUID();
const actor = { kind: 'api_key', id: uuid() };
const secs = (ms: number): string => (ms / 1000).toFixed(2);

interface Env {
  id: string;
  type: string;
  source: string;
  specversion: '1.0';
  time: string;
  datacontenttype: 'application/json';
  data: unknown;
}
const env = (type: string, data: unknown): Env => ({
  specversion: '1.0',
  id: uuid(),
  source: 'bench',
  type,
  time: new Date().toISOString(),
  datacontenttype: 'application/json',
  data,
});

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The events a funder with `n` agreements (2 obligations each) produces over its life. */
function world(n: number): { funderId: string; events: Env[] } {
  const funderId = uuid();
  const events: Env[] = [
    env('funder.registered.v1', {
      funderId,
      name: 'Ministère du banc d’essai',
      kind: 'ministry',
      locale: 'fr',
      reportRecipients: [],
      actor,
    }),
  ];
  const programmes = Array.from({ length: 10 }, (_, i) => ({ id: uuid(), code: `P${i}` }));
  for (const p of programmes)
    events.push(
      env('programme.registered.v1', {
        programmeId: p.id,
        funderId,
        code: p.code,
        name: `Programme ${p.code}`,
        sector: null,
        praxisFeeds: [],
        reminderStages: [],
        actor,
      }),
    );
  const grantees = Array.from({ length: Math.max(1, Math.floor(n / 4)) }, (_, i) => ({
    id: uuid(),
    name: `Organisme ${i}`,
    neq: String(1_000_000_000 + i),
  }));
  const transitions: Env[] = [];
  for (let i = 0; i < n; i++) {
    const p = programmes[i % programmes.length]!;
    const g = grantees[i % grantees.length]!;
    const agreementId = uuid(),
      requirementId = uuid();
    const end = addDays('2024-01-31', (i * 7) % 900);
    const obligations = [1, 2].map((seq) => ({
      id: uuid(),
      requirementId,
      kind: 'learning_note',
      sequence: seq,
      dueDate: addDays(end, 90 * seq),
    }));
    events.push(
      env('agreement.registered.v1', {
        agreementId,
        funderId,
        programmeId: p.id,
        programmeCode: p.code,
        externalRef: `EXT-${i}`,
        referenceCode: `B-${String(i).padStart(6, '0')}`,
        title: `Entente ${i}`,
        startDate: '2023-01-01',
        endDate: end,
        signedAt: null,
        grantee: g,
        contacts: [{ name: 'Contact', email: `c${i}@exemple.org`, locale: 'fr' }],
        obligations,
        revision: 1,
        actor,
      }),
    );
    for (const o of obligations) {
      const base = {
        obligationId: o.id,
        agreementId,
        funderId,
        programmeId: p.id,
        granteeId: g.id,
        kind: 'learning_note',
        dueDate: o.dueDate,
        reason: null,
        actor,
      };
      transitions.push(
        env('obligation.transitioned.v1', {
          ...base,
          from: null,
          to: 'upcoming',
          at: new Date(Date.now() - 1000).toISOString(),
        }),
      );
      const r = (i * 2 + o.sequence) % 10;
      const at = new Date().toISOString();
      if (r < 5)
        transitions.push(
          env('obligation.transitioned.v1', {
            ...base,
            from: 'upcoming',
            to: 'fulfilled',
            at,
            evidence: {
              noteUrl: `https://praxis.example/n/${o.id}`,
              title: 'n',
              publishedOn: o.dueDate,
              late: r === 4,
            },
          }),
        );
      else if (r < 8)
        transitions.push(env('obligation.transitioned.v1', { ...base, from: 'upcoming', to: 'overdue', at }));
      else if (r === 8)
        transitions.push(
          env('obligation.transitioned.v1', { ...base, from: 'upcoming', to: 'waived', reason: 'dispense', at }),
        );
      if (r === 6 && i % 50 === 0) {
        transitions.push(
          env('reminder.failed.v1', {
            reminderId: uuid(),
            runId: uuid(),
            obligationId: o.id,
            funderId,
            stageKey: 'D+7',
            contactRef: `p_${i}`,
            email: `c${i}@exemple.org`,
            permanent: true,
            reason: '550 unknown user',
            at,
          }),
        );
      }
    }
  }
  return { funderId, events: [...events, ...transitions] };
}

async function publishAll(url: string, events: Env[]): Promise<number> {
  const conn = await amqp.connect(url);
  const ch = await conn.createConfirmChannel();
  await ch.assertExchange(EXCHANGE, 'topic', { durable: true });
  const t0 = Date.now();
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    ch.publish(EXCHANGE, e.type, Buffer.from(JSON.stringify(e)), { persistent: true, messageId: e.id, type: e.type });
    if (i % 1000 === 999) await ch.waitForConfirms();
  }
  await ch.waitForConfirms();
  const ms = Date.now() - t0;
  await conn.close();
  return ms;
}

/** Raw broker limit: confirmed publishes into a quorum queue while a consumer acks them. */
async function rawBusRate(url: string, n: number, body: Buffer): Promise<number> {
  const conn = await amqp.connect(url);
  const pub = await conn.createConfirmChannel();
  const sub = await conn.createChannel();
  const q = `bench.raw.${uuid()}`;
  await pub.assertQueue(q, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await sub.prefetch(500);
  let got = 0;
  const t0 = Date.now();
  const done = new Promise<void>((resolve) => {
    void sub.consume(q, (m) => {
      if (!m) return;
      sub.ack(m);
      if (++got === n) resolve();
    });
  });
  for (let i = 0; i < n; i++) {
    pub.sendToQueue(q, body, { persistent: true, messageId: String(i) });
    if (i % 1000 === 999) await pub.waitForConfirms();
  }
  await pub.waitForConfirms();
  await done;
  const rate = n / ((Date.now() - t0) / 1000);
  await pub.deleteQueue(q);
  await conn.close();
  return rate;
}

async function waitFor(db: pg.Pool, funderId: string, expected: number, timeoutMs = 600_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await db.query<{ seq: string }>('SELECT seq FROM reports.audit_head WHERE funder_id = $1', [
      funderId,
    ]);
    if (rows[0] && Number(rows[0].seq) >= expected) return;
    if (Date.now() > until) throw new Error(`read model did not catch up (${rows[0]?.seq ?? 0}/${expected})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Events that become audit entries (all but reminder.due/run_closed and jobs). */
const audited = (events: Env[]): number => events.length;

async function main(): Promise<void> {
  const name = `bench_reports_${crypto.randomBytes(3).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  execFileSync('rabbitmqctl', ['-q', 'add_vhost', name]);
  execFileSync('rabbitmqctl', ['-q', 'set_permissions', '-p', name, 'guest', '.*', '.*', '.*']);
  const databaseUrl = withDatabase(PG_ADMIN_URL, name);
  const amqpUrl = `${AMQP_BASE}/${name}`;
  const db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const logger = createLogger('reports-bench', 'error');
  const cfg = (batch: number) =>
    loadReportsConfig({
      DATABASE_URL: databaseUrl,
      AMQP_URL: amqpUrl,
      PORT: '0',
      LOG_LEVEL: 'error',
      // the service runs alone here: no producers whose outbox its work could wait for
      CATCH_UP_ENABLED: 'false',
      INTERNAL_SECRET: TEST_INTERNAL_SECRET,
      REPORTS_BATCH_SIZE: String(batch),
    });
  try {
    const big = world(AGREEMENTS);
    const sampleBody = Buffer.from(JSON.stringify(big.events[big.events.length - 1]));
    console.log(`world: ${AGREEMENTS} agreements, ${AGREEMENTS * 2} obligations, ${big.events.length} events`);

    const raw = await rawBusRate(amqpUrl, RAW_MESSAGES, sampleBody);
    console.log(
      `raw bus (amqplib confirm publish + consume/ack, quorum queue, ${RAW_MESSAGES} msgs of ${sampleBody.length} B): ${raw.toFixed(0)} msg/s`,
    );

    // one transaction per message, on a sample
    const small = world(Math.ceil(SAMPLE / 3.6));
    let svc = await startReports(cfg(1), logger);
    let t0 = Date.now();
    await publishAll(amqpUrl, small.events);
    await waitFor(db, small.funderId, audited(small.events));
    const perMessage = small.events.length / ((Date.now() - t0) / 1000);
    console.log(
      `read model, one transaction per message: ${small.events.length} events in ${secs(Date.now() - t0)} s = ${perMessage.toFixed(0)} events/s (${((perMessage / raw) * 100).toFixed(1)}% of raw bus)`,
    );
    await svc.stop();

    // batched consumer (default settings)
    svc = await startReports(cfg(250), logger);
    t0 = Date.now();
    const pubMs = await publishAll(amqpUrl, big.events);
    const pubDone = Date.now();
    await waitFor(db, big.funderId, audited(big.events));
    const applyMs = Date.now() - t0;
    const batched = big.events.length / (applyMs / 1000);
    console.log(
      `read model, batched (250/tx): ${big.events.length} events in ${secs(applyMs)} s = ${batched.toFixed(0)} events/s (${((batched / raw) * 100).toFixed(1)}% of raw bus); publishing took ${secs(pubMs)} s, lag after the last publish ${secs(Date.now() - pubDone)} s`,
    );

    const headers = asPrincipal({ role: 'funder', funderId: big.funderId });
    const base = `http://127.0.0.1:${svc.port}/v1/reports/compliance?asOf=2026-11-01`;
    for (const format of ['json', 'csv', 'html', 'pdf']) {
      const s = Date.now();
      const res = await fetch(`${base}&format=${format}`, { headers });
      const bytes = (await res.arrayBuffer()).byteLength;
      if (res.status !== 200) throw new Error(`${format}: HTTP ${res.status}`);
      console.log(`report ${format.padEnd(4)}: ${secs(Date.now() - s)} s, ${(bytes / 1024 / 1024).toFixed(2)} MiB`);
    }
    const r = (await (await fetch(`${base}&format=json`, { headers })).json()) as {
      totals: Record<string, unknown>;
      overdue: unknown[];
      grantees: unknown[];
    };
    console.log(
      `report content: ${JSON.stringify(r.totals)}; ${r.grantees.length} grantees, ${r.overdue.length} outstanding`,
    );
    const verifyStart = Date.now();
    const v = await (
      await fetch(`http://127.0.0.1:${svc.port}/v1/audit/verify?funderId=${big.funderId}`, { headers })
    ).json();
    console.log(`audit verify: ${JSON.stringify(v)} in ${secs(Date.now() - verifyStart)} s`);
    await svc.stop();
  } finally {
    await db.end();
    await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    try {
      execFileSync('rabbitmqctl', ['-q', 'delete_vhost', name]);
    } catch {
      /* gone */
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
