/**
 * Benchmark: one evaluation run over 100,000 open obligations (`npx tsx services/obligations/bench/evaluate.ts`).
 *
 * Fresh database and vhost; 20,000 agreements × 5 obligations seeded in SQL, all `upcoming`, no
 * reminder sent yet; due dates spread so that ~10% have a stage due on the evaluation day.
 * The run goes through the real path: job.requested.v1 on the bus → consumer → worker → batches →
 * outbox → relay with broker confirms (a durable queue bound to every event stores them).
 * Printed: obligations/s and reminder events/s until the outbox is fully published, and the ratio
 * to a single raw SQL pass that classifies the same rows (measured in the same run, median of 3).
 * Env: BENCH_OBLIGATIONS (default 100000), EVALUATION_BATCH_SIZE (default 5000).
 */
import crypto from 'node:crypto';
import pg from 'pg';
import { BusConnection, EXCHANGE } from '@pc/bus';
import { obligationsAlone } from './alone';
import { fixedClock } from '../src/adapters/clock';
import { DEFAULT_STAGES } from '@pc/lifecycle';

const N = Number(process.env.BENCH_OBLIGATIONS ?? 100_000);
const PER_AGREEMENT = 5;
const AS_OF = '2027-06-01';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const alone = await obligationsAlone(
    'bench_obl',
    { EVALUATION_BATCH_SIZE: process.env.EVALUATION_BATCH_SIZE ?? '5000' },
    { clock: fixedClock(AS_OF) },
  );
  const { databaseUrl, amqpUrl, logger } = alone;
  const db = new pg.Client({ connectionString: databaseUrl, options: '-c search_path=obligations' });
  await db.connect();
  const bus = await BusConnection.connect(amqpUrl, logger);
  const ch = await bus.channel();
  try {
    await ch.assertQueue('bench.sink', { durable: true });
    await ch.bindQueue('bench.sink', EXCHANGE, '#');

    // ---- seed (set-based; not measured) ----
    const t0 = Date.now();
    const agreements = Math.ceil(N / PER_AGREEMENT);
    await db.query(
      `INSERT INTO programme (id, funder_id, code, name, reminder_stages)
      SELECT gen_random_uuid(), gen_random_uuid(), 'PRG' || g, 'Programme ' || g, $1::jsonb FROM generate_series(1, 20) g`,
      [JSON.stringify(DEFAULT_STAGES)],
    );
    await db.query(
      `INSERT INTO agreement (id, funder_id, programme_id, programme_code, external_ref, reference_code, title, start_date, end_date,
        grantee_id, grantee_name, contacts, revision)
      SELECT gen_random_uuid(), p.funder_id, p.id, p.code, 'EXT-' || g, 'PX-' || lpad(g::text, 8, '0'), 'Entente ' || g, '2027-01-01', '2027-12-31',
        gen_random_uuid(), 'Organisme ' || g, jsonb_build_array(jsonb_build_object('name', 'Contact ' || g, 'email', 'c' || g || '@example.org', 'locale', 'fr')), 1
      FROM generate_series(1, $1::int) g
      JOIN (SELECT id, funder_id, code, row_number() OVER (ORDER BY code) - 1 AS k FROM programme) p ON p.k = g % 20`,
      [agreements],
    );
    // 10% of due dates within [asOf-40, asOf+30] (a stage applies), 90% within [asOf+31, asOf+400].
    await db.query(
      `INSERT INTO obligation (id, agreement_id, funder_id, programme_id, grantee_id, requirement_id, kind, sequence,
        due_date, derived_due_date, status)
      SELECT gen_random_uuid(), a.id, a.funder_id, a.programme_id, a.grantee_id, a.id, 'learning_note', s, d, d, 'upcoming'
      FROM (SELECT a.*, row_number() OVER () AS rn FROM agreement a) a
      CROSS JOIN generate_series(1, ${PER_AGREEMENT}) s
      CROSS JOIN LATERAL (SELECT CASE WHEN (a.rn * ${PER_AGREEMENT} + s) % 10 = 0
                                      THEN $1::date - 40 + ((a.rn + s) % 71)::int
                                      ELSE $1::date + 31 + ((a.rn * 7 + s) % 370)::int END AS d) dd
      LIMIT $2`,
      [AS_OF, N],
    );
    await db.query('ANALYZE');
    const seeded = Number((await db.query('SELECT count(*) AS n FROM obligation')).rows[0].n);
    console.log(`seeded ${seeded} open obligations in ${Date.now() - t0} ms`);

    // ---- raw limit: one SQL pass classifying the same rows ----
    const raw: number[] = [];
    for (let i = 0; i < 3; i++) {
      const s = process.hrtime.bigint();
      await db.query(
        `SELECT cls, count(*) FROM (
          SELECT CASE WHEN $1::date > o.due_date THEN 'overdue'
                      WHEN $1::date >= o.due_date + COALESCE(pol.earliest, -30) THEN 'due_soon' ELSE 'upcoming' END AS cls
          FROM obligation o LEFT JOIN (SELECT p.id, LEAST(0, min((s->>'offsetDays')::int)) AS earliest
                                       FROM programme p CROSS JOIN LATERAL jsonb_array_elements(p.reminder_stages) s GROUP BY p.id) pol
                            ON pol.id = o.programme_id
          WHERE o.status IN ('upcoming', 'due_soon', 'overdue', 'extended')) c GROUP BY cls`,
        [AS_OF],
      );
      raw.push(Number(process.hrtime.bigint() - s) / 1e6);
    }
    const rawMs = median(raw);

    // ---- the evaluation, through the bus, until every event is confirmed by the broker ----
    const jobId = crypto.randomUUID();
    const envelope = {
      specversion: '1.0',
      id: crypto.randomUUID(),
      source: 'bench',
      type: 'job.requested.v1',
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      data: { jobId, kind: 'evaluate', asOf: AS_OF, actor: { kind: 'system', id: 'bench' } },
    };
    const start = process.hrtime.bigint();
    ch.publish(EXCHANGE, 'job.requested.v1', Buffer.from(JSON.stringify(envelope)), {
      persistent: true,
      messageId: envelope.id,
    });
    await ch.waitForConfirms();
    let evaluatedMs = 0;
    for (;;) {
      const {
        rows: [r],
      } = await db.query(
        `SELECT status, counts, extract(epoch FROM finished_at - started_at) * 1000 AS ms FROM evaluation_run WHERE job_id = $1`,
        [jobId],
      );
      if (r?.status === 'succeeded') {
        if (!evaluatedMs) evaluatedMs = Number(r.ms);
        const {
          rows: [p],
        } = await db.query('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL');
        if (p.n === 0) break;
      }
      if (r?.status === 'failed') throw new Error('evaluation failed');
      await sleep(20);
    }
    const totalMs = Number(process.hrtime.bigint() - start) / 1e6;
    const counts = (await db.query('SELECT counts FROM evaluation_run WHERE job_id = $1', [jobId])).rows[0].counts;
    const events = (await db.query(`SELECT type, count(*)::int AS n FROM outbox GROUP BY type ORDER BY type`)).rows;
    const reminders = events.find((e) => e.type === 'reminder.due.v1')?.n ?? 0;
    const allEvents = events.reduce((a, e) => a + e.n, 0);
    const sink = await ch.checkQueue('bench.sink');

    console.log(
      JSON.stringify({
        asOf: AS_OF,
        obligations: seeded,
        counts,
        events: Object.fromEntries(events.map((e) => [e.type, e.n])),
        queuedAtBroker: sink.messageCount,
      }),
    );
    console.log(`evaluation compute (run started → finished): ${evaluatedMs.toFixed(0)} ms`);
    console.log(`whole run (job published → outbox fully published with confirms): ${totalMs.toFixed(0)} ms`);
    console.log(
      `obligations/s: ${(seeded / (totalMs / 1000)).toFixed(0)}  (compute only: ${(seeded / (evaluatedMs / 1000)).toFixed(0)})`,
    );
    console.log(
      `reminder events/s: ${(reminders / (totalMs / 1000)).toFixed(0)}  (${reminders} reminder.due.v1; all events ${allEvents}: ${(allEvents / (totalMs / 1000)).toFixed(0)}/s)`,
    );
    console.log(
      `raw SQL classification pass: ${rawMs.toFixed(0)} ms (runs ${raw.map((x) => x.toFixed(0)).join(', ')}) → ${(seeded / (rawMs / 1000)).toFixed(0)} rows/s`,
    );
    console.log(
      `ratio whole run / raw pass: ${(totalMs / rawMs).toFixed(1)}×; compute / raw pass: ${(evaluatedMs / rawMs).toFixed(1)}×`,
    );
    console.log(totalMs < 20_000 ? 'OK: under 20 s' : 'SLOW: over the 20 s aim');
  } finally {
    await ch.close().catch(() => undefined);
    await bus.close();
    await db.end();
    await alone.drop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
