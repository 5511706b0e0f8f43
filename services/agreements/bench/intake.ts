/**
 * `pnpm bench intake` — import 20,000 agreements (40,000 CSV rows → 40,000 obligations) through
 * the PUBLIC API (edge → agreements), including their 20,000 agreement.registered events confirmed
 * by RabbitMQ, on a fresh database and vhost. Prints agreements/s and the ratio to a raw PostgreSQL
 * COPY of the same 40,000 CSV rows measured in the same run, and where the time went.
 *
 * Options (env): BENCH_AGREEMENTS (default 20000).
 */
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { BusConnection } from '@pc/bus';
import { createLogger } from '@pc/service-kit';
import { adminQuery, AMQP_BASE, PG_ADMIN_URL, withDatabase } from '@pc/testkit';
import { startEdge } from '../../edge/src/main';
import { loadEdgeConfig } from '../../edge/src/config';
import { startAgreements } from '../src/main';
import { loadAgreementsConfig } from '../src/config';
import type { ImportReport } from '../src/use-cases/import-agreements';

const N = Number(process.env.BENCH_AGREEMENTS ?? 20_000);
const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
const HEADER =
  'external_ref,programme_code,title,amount_cents,currency,start_date,end_date,signed_at,grantee_name,grantee_neq,contact_name,contact_email,contact_locale,requirement_kind,requirement_count,due_anchor,due_offset,due_date';

function generateCsv(n: number): string {
  const lines = [HEADER];
  for (let i = 0; i < n; i++) {
    const ref = `FQ-2027-${String(i).padStart(6, '0')}`;
    const neq = i % 2 === 0 ? String(1_000_000_000 + i) : ''; // half with a NEQ
    const start = `2027-${String((i % 12) + 1).padStart(2, '0')}-01`;
    const common = `${ref},MOBILISATION,Projet de mobilisation des savoirs no ${i},${250_000 + i},CAD,${start},2028-${String((i % 12) + 1).padStart(2, '0')}-28,2026-12-10,Organisme communautaire ${i},${neq},Contact ${i},contact${i}@example.org,${i % 3 === 0 ? 'en' : 'fr'}`;
    lines.push(`${common},learning_note,1,end,P90D,`);
    lines.push(`${common},mid_term_note,1,start,P6M,`);
  }
  return lines.join('\n') + '\n';
}

async function rawCopy(databaseUrl: string, csv: string): Promise<number> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    await c.query(
      `CREATE SCHEMA IF NOT EXISTS bench_raw; CREATE TABLE bench_raw.csv_rows (${HEADER.split(',')
        .map((h) => `${h} text`)
        .join(', ')})`,
    );
    const t = performance.now();
    await c.query('BEGIN');
    await pipeline(
      Readable.from([csv]),
      c.query(copyFrom('COPY bench_raw.csv_rows FROM STDIN WITH (FORMAT csv, HEADER true)')),
    );
    await c.query('COMMIT');
    return performance.now() - t;
  } finally {
    await c.end();
  }
}

/**
 * A second, stricter floor: the rows the import actually wrote (grantees, agreements, contacts,
 * requirements, obligations, outbox), exported, then COPYed back into clones of the same tables
 * (same indexes; no foreign keys) in one transaction.
 */
async function rawCopyOfWrittenRows(databaseUrl: string): Promise<{ ms: number; rows: number }> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  const tables = ['grantee', 'agreement', 'agreement_contact', 'requirement', 'obligation', 'outbox'];
  try {
    const dumps: Array<[string, Buffer]> = [];
    let rows = 0;
    await c.query('CREATE SCHEMA IF NOT EXISTS bench_raw');
    for (const t of tables) {
      await c.query(`CREATE TABLE bench_raw.${t} (LIKE agreements.${t} INCLUDING ALL)`);
      const chunks: Buffer[] = [];
      const out = c.query(copyTo(`COPY agreements.${t} TO STDOUT`));
      for await (const chunk of out) chunks.push(chunk as Buffer);
      dumps.push([t, Buffer.concat(chunks)]);
      rows += (await c.query(`SELECT count(*)::int AS n FROM agreements.${t}`)).rows[0].n;
    }
    const start = performance.now();
    await c.query('BEGIN');
    for (const [t, data] of dumps)
      await pipeline(Readable.from([data]), c.query(copyFrom(`COPY bench_raw.${t} FROM STDIN`)));
    await c.query('COMMIT');
    return { ms: performance.now() - start, rows };
  } finally {
    await c.end();
  }
}

async function main(): Promise<void> {
  const run = `bench_intake_${Date.now().toString(36)}`;
  await adminQuery(`CREATE DATABASE ${run}`);
  execFileSync('rabbitmqctl', ['-q', 'add_vhost', run]);
  execFileSync('rabbitmqctl', ['-q', 'set_permissions', '-p', run, 'guest', '.*', '.*', '.*']);
  const databaseUrl = withDatabase(PG_ADMIN_URL, run);
  const amqpUrl = `${AMQP_BASE}/${run}`;
  const env = {
    DATABASE_URL: databaseUrl,
    AMQP_URL: amqpUrl,
    LOG_LEVEL: 'warn',
    INTERNAL_SECRET: crypto.randomBytes(16).toString('hex'),
    ADMIN_TOKEN,
    PORT: '0',
    HOST: '127.0.0.1',
  };
  let report: ImportReport | null = null;
  const agreements = await startAgreements(loadAgreementsConfig(env), undefined, undefined, {
    onImport: (r) => {
      report = r;
    },
  });
  const edge = await startEdge(loadEdgeConfig({ ...env, AGREEMENTS_URL: `http://127.0.0.1:${agreements.port}` }));
  const base = `http://127.0.0.1:${edge.port}`;
  const bus = await BusConnection.connect(amqpUrl, createLogger('bench', 'silent'));
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const funder = (await (
      await fetch(`${base}/v1/funders`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ name: 'Fondation banc d\u2019essai', kind: 'foundation' }),
      })
    ).json()) as { id: string };
    const key = (await (
      await fetch(`${base}/v1/api-keys`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ role: 'funder', funderId: funder.id, label: 'bench' }),
      })
    ).json()) as { token: string };
    const auth = { authorization: `Bearer ${key.token}` };
    const prog = await fetch(`${base}/v1/programmes`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ code: 'MOBILISATION', name: 'Mobilisation' }),
    });
    if (prog.status !== 201) throw new Error(`programme: ${prog.status} ${await prog.text()}`);

    // A queue bound to the exchange counts the events that really reached the broker.
    const ch = await bus.channel();
    await ch.assertExchange('pc.events', 'topic', { durable: true });
    await ch.assertQueue('bench.intake.tap', { durable: true });
    await ch.bindQueue('bench.intake.tap', 'pc.events', 'agreement.registered.v1');

    const csv = generateCsv(N);
    const bytes = Buffer.byteLength(csv);
    console.log(`CSV: ${N} agreements, ${2 * N} rows, ${(bytes / 1048576).toFixed(2)} MiB`);

    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const res = await fetch(`${base}/v1/agreements/import`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'text/csv' },
      body: csv,
    });
    const body = await res.text();
    const tResponse = performance.now() - t0;
    if (res.status !== 201) throw new Error(`import: ${res.status} ${body.slice(0, 2000)}`);
    let published = 0;
    for (;;) {
      const { rows } = await db.query(
        "SELECT count(*)::int AS n FROM agreements.outbox WHERE published_at IS NULL AND type = 'agreement.registered.v1'",
      );
      published = (await ch.checkQueue('bench.intake.tap')).messageCount;
      if (rows[0].n === 0 && published >= N) break;
      if (performance.now() - t0 > 120_000)
        throw new Error(`timed out: ${rows[0].n} unpublished, ${published} on the bus`);
      await new Promise((r) => setTimeout(r, 25));
    }
    const tTotal = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const counts = (
      await db.query(
        'SELECT (SELECT count(*)::int FROM agreements.agreement) AS a, (SELECT count(*)::int FROM agreements.obligation) AS o',
      )
    ).rows[0];

    const copyMs = await rawCopy(databaseUrl, csv);
    const written = await rawCopyOfWrittenRows(databaseUrl);

    const perSec = (N / tTotal) * 1000;
    const copyRowsPerSec = ((2 * N) / copyMs) * 1000;
    console.log(`response ${res.status} ${body}`);
    console.log(
      `stored: ${counts.a} agreements, ${counts.o} obligations; ${published} agreement.registered events on the bus`,
    );
    console.log(
      `import through the public API, events confirmed by the broker: ${(tTotal / 1000).toFixed(2)} s  →  ${Math.round(perSec)} agreements/s (${Math.round(perSec * 2)} CSV rows/s)`,
    );
    console.log(
      `  HTTP response after ${(tResponse / 1000).toFixed(2)} s; outbox drained ${((tTotal - tResponse) / 1000).toFixed(2)} s later`,
    );
    console.log(`  service phases (ms): ${JSON.stringify((report as ImportReport | null)?.phasesMs ?? {})}`);
    console.log(
      `  process CPU (edge + agreements + bench in one process): user ${(cpu.user / 1e6).toFixed(2)} s, system ${(cpu.system / 1e6).toFixed(2)} s`,
    );
    console.log(
      `raw PostgreSQL COPY of the same ${2 * N} CSV rows into one text table: ${copyMs.toFixed(0)} ms (${Math.round(copyRowsPerSec)} rows/s)`,
    );
    console.log(
      `ratio: the full import takes ${(tTotal / copyMs).toFixed(1)}× the raw COPY (import rows/s ÷ COPY rows/s = ${((perSec * 2) / copyRowsPerSec).toFixed(3)})`,
    );
    console.log(
      `raw COPY of the ${written.rows} rows the import wrote (6 tables, same indexes, no FKs, one transaction): ${written.ms.toFixed(0)} ms → the full import takes ${(tTotal / written.ms).toFixed(1)}× that, the service side (parse → commit) ${(((report as ImportReport | null)?.phasesMs.total ?? 0) / written.ms).toFixed(1)}×`,
    );
  } finally {
    await db.end();
    await bus.close();
    await edge.stop();
    await agreements.stop();
    await adminQuery(`DROP DATABASE IF EXISTS ${run} WITH (FORCE)`).catch(() => undefined);
    try {
      execFileSync('rabbitmqctl', ['-q', 'delete_vhost', run]);
    } catch {
      /* gone */
    }
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
