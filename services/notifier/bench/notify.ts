/**
 * pnpm bench notify — 10,000 due reminder stages for 3,000 contacts through the notifier (RabbitMQ →
 * ledger → one digest per contact → pooled SMTP) to a local SMTP sink, beside the raw nodemailer
 * pooled send rate of the very same messages in the same run, and their ratio.
 *   npx tsx services/notifier/bench/notify.ts [stages=10000] [contacts=3000]
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import inspector from 'node:inspector/promises';
import nodemailer, { type Transporter } from 'nodemailer';
import pg from 'pg';
import {
  adminQuery,
  deleteVhost,
  freshVhost,
  PG_ADMIN_URL,
  startSmtpSink,
  TEST_INTERNAL_SECRET,
  withDatabase,
} from '@pc/testkit';
import { loadNotifierConfig } from '../src/config';
import { startNotifier } from '../src/main';
import { agreement, due, dueEvents, funder, ids, programme, publish, runClosed } from '../test/support';

const STAGES = Number(process.argv[2] ?? 10_000);
const CONTACTS = Number(process.argv[3] ?? 3_000);
const POOL = 5;

async function waitFor(what: string, fn: () => Promise<boolean> | boolean, timeoutMs = 110_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > until) throw new Error(`bench timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function main(): Promise<void> {
  process.env.PC_TEST_RUN ??= `bench_${Date.now().toString(36)}`;
  const dbName = `${process.env.PC_TEST_RUN}_notify`;
  await adminQuery(`CREATE DATABASE ${dbName}`);
  const databaseUrl = withDatabase(PG_ADMIN_URL, dbName);
  const amqpUrl = freshVhost();
  const sink = await startSmtpSink();
  const svc = await startNotifier(
    loadNotifierConfig({
      DATABASE_URL: databaseUrl,
      AMQP_URL: amqpUrl,
      SMTP_URL: sink.url,
      INTERNAL_SECRET: TEST_INTERNAL_SECRET,
      // the service runs alone here: no producers whose outbox its work could wait for
      CATCH_UP_ENABLED: 'false',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
      PORT: '0',
      SMTP_POOL_SIZE: String(POOL),
      REMINDER_SWEEP_MS: '200',
    }),
  );
  const db = new pg.Pool({ connectionString: databaseUrl, max: 2, options: '-c search_path=notifier' });
  const n = async (sql: string): Promise<number> => Number((await db.query<{ n: string }>(sql)).rows[0]?.n ?? 0);
  try {
    const funders = [
      funder('Fondation A', { reportRecipients: ['a@funder.example'] }),
      funder('Ministère B'),
      funder('Fonds C', { locale: 'en' }),
    ];
    const programmes = funders.map((f, i) => programme(f, `P${i}`, `Programme ${i}`));
    await publish(amqpUrl, [
      ...funders.map((data) => ({ type: 'funder.registered.v1' as const, data })),
      ...programmes.map((data) => ({ type: 'programme.registered.v1' as const, data })),
    ]);
    const runId = crypto.randomUUID();
    const stages = Array.from({ length: STAGES }, (_, i) => {
      const c = i % CONTACTS;
      const p = programmes[i % programmes.length]!;
      const g = agreement(p, `B-${i}`, { id: ids(`grantee:${c}`), name: `Organisme ${c}` }, [
        { name: `Personne ${c}`, email: `contact${c}@org.example`, locale: c % 4 === 0 ? 'en' : 'fr' },
      ]);
      return due(g, { runId, asOf: '2027-06-15', dueDate: `2027-07-${String(1 + (i % 28)).padStart(2, '0')}` });
    });

    const t0 = performance.now();
    await publish(amqpUrl, dueEvents(stages));
    await waitFor('stages recorded', async () => (await n('SELECT count(*) AS n FROM run_stage')) >= STAGES);
    const ingestS = (performance.now() - t0) / 1000;

    // BENCH_PROFILE=file.cpuprofile: CPU profile of the notifier's send phase only
    const session = process.env.BENCH_PROFILE ? new inspector.Session() : null;
    if (session) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    }
    const cpu1 = process.cpuUsage();
    const t1 = performance.now();
    await publish(amqpUrl, [runClosed(runId, '2027-06-15', STAGES)]);
    await waitFor('digests built', async () => (await n('SELECT count(*) AS n FROM digest')) >= CONTACTS);
    const builtS = (performance.now() - t1) / 1000;
    const firstAt = sink.messages.length;
    await waitFor('emails at the sink', () => sink.messages.length >= CONTACTS);
    const sendS = (performance.now() - t1) / 1000;
    const cpuNotifier = process.cpuUsage(cpu1);
    if (session) {
      const { profile } = await session.post('Profiler.stop');
      fs.writeFileSync(process.env.BENCH_PROFILE!, JSON.stringify(profile));
      session.disconnect();
    }
    await waitFor(
      'ledger recorded',
      async () => (await n(`SELECT count(*) AS n FROM reminder_delivery WHERE state = 'sent'`)) >= STAGES,
    );
    const recordedS = (performance.now() - t1) / 1000;
    const distinct = new Set(sink.messages.map((m) => m.parsed.messageId)).size;

    // The same messages straight through a pooled nodemailer transport, same pool and concurrency:
    // (a) composed by nodemailer from the same fields (subject, text, html, headers) — the fair limit;
    // (b) byte for byte (raw), nodemailer composing nothing.
    const captured = sink.messages.splice(0);
    const cpuMsPerEmail: number[] = [];
    const pooled = async (
      send: (tr: Transporter, m: (typeof captured)[number]) => Promise<unknown>,
    ): Promise<number> => {
      const transport = nodemailer.createTransport({
        url: sink.url,
        pool: true,
        maxConnections: POOL,
        maxMessages: 1000,
      } as never);
      const t = performance.now();
      const cpu = process.cpuUsage();
      let next = 0;
      await Promise.all(
        Array.from({ length: POOL * 4 }, async () => {
          while (next < captured.length) {
            const m = captured[next++]!;
            await send(transport, m);
          }
        }),
      );
      const s = (performance.now() - t) / 1000;
      const used = process.cpuUsage(cpu);
      cpuMsPerEmail.push(Number(((used.user + used.system) / 1000 / captured.length).toFixed(2)));
      transport.close();
      sink.messages.splice(0);
      return s;
    };
    const composedS = await pooled((tr, m) =>
      tr.sendMail({
        messageId: m.parsed.messageId,
        date: m.parsed.date,
        from: 'Praxis conformité <no-reply@praxis-conformite.local>',
        to: m.envelopeTo,
        subject: m.parsed.subject,
        text: m.parsed.text,
        html: m.parsed.html || undefined,
        headers: {
          'Auto-Submitted': 'auto-generated',
          'Content-Language': String(m.parsed.headers.get('content-language') ?? 'fr'),
        },
      }),
    );
    const rawS = await pooled((tr, m) =>
      tr.sendMail({ envelope: { from: 'no-reply@praxis-conformite.local', to: m.envelopeTo }, raw: m.raw }),
    );

    const notifierRate = CONTACTS / sendS;
    const composedRate = captured.length / composedS;
    const rawRate = captured.length / rawS;
    const figures = {
      stages: STAGES,
      contacts: CONTACTS,
      emails: captured.length,
      distinctMessageIds: distinct,
      smtpPool: POOL,
      ingest_stages_per_s: Math.round(STAGES / ingestS),
      notifier_emails_per_s: Math.round(notifierRate),
      notifier_seconds_run_closed_to_digests_built: Number(builtS.toFixed(2)),
      notifier_emails_per_s_once_digests_built: Math.round((CONTACTS - firstAt) / (sendS - builtS)),
      notifier_seconds_run_closed_to_last_email: Number(sendS.toFixed(2)),
      notifier_seconds_to_ledger_recorded: Number(recordedS.toFixed(2)),
      raw_nodemailer_pooled_composed_emails_per_s: Math.round(composedRate),
      raw_nodemailer_pooled_bytes_emails_per_s: Math.round(rawRate),
      ratio_notifier_to_raw_composed: Number((notifierRate / composedRate).toFixed(2)),
      ratio_notifier_to_raw_bytes: Number((notifierRate / rawRate).toFixed(2)),
      // CPU of this one process (notifier + SMTP sink + bus client) per email, in each phase
      cpu_ms_per_email_notifier: Number(((cpuNotifier.user + cpuNotifier.system) / 1000 / CONTACTS).toFixed(2)),
      cpu_ms_per_email_raw_composed: cpuMsPerEmail[0],
      cpu_ms_per_email_raw_bytes: cpuMsPerEmail[1],
      avg_message_bytes: Math.round(captured.reduce((a, m) => a + m.raw.length, 0) / captured.length),
    };
    console.log(JSON.stringify(figures, null, 2));
  } finally {
    await svc.stop();
    await db.end();
    await sink.close();
    deleteVhost(amqpUrl);
    await adminQuery(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
