/**
 * `pnpm bench praxis` (npx tsx services/praxis-connector/bench/praxis.ts)
 *
 * The simulator (own process) serves NOTES notes in FEEDS carnet feeds; AGREEMENTS open agreements
 * each have one note among them that mentions its reference code. Prints:
 *  - initial sync time (every note page is new: fetched, parsed, matched),
 *  - incremental sync time after CHANGED notes change (only their feeds answer 200, only they are fetched),
 *  - pages verified per second (re-verification of every matched note: fetch + parse + check + write)
 *    beside the raw HTTP fetch rate of the same simulator at the same concurrency, measured in this run.
 * Scale with BENCH_NOTES, BENCH_FEEDS, BENCH_AGREEMENTS, BENCH_CHANGED, BENCH_CONCURRENCY.
 * Agreements and programmes are written straight into the connector's tables (bulk), not sent through
 * the bus: the bus path is covered by the tests and is not what this measures.
 */
import { fork } from 'node:child_process';
import crypto from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { createLogger } from '@pc/service-kit';
import { benchEnv } from '@pc/testkit';
import { seededReferenceCode } from '@pc/praxis-simulator';
import { startConnector } from '../src/main';
import { loadConnectorConfig } from '../src/config';

// Default: the shape scaled to stay under ~2 min on the shared 2-core box (2,000 feeds and
// 1,000 changes as specified; 100k notes, 20k agreements). BENCH_FULL=1 runs 1,000,000 / 40,000.
const FULL = process.env.BENCH_FULL === '1';
const NOTES = Number(process.env.BENCH_NOTES ?? (FULL ? 1_000_000 : 100_000));
const FEEDS = Number(process.env.BENCH_FEEDS ?? 2_000);
const AGREEMENTS = Number(process.env.BENCH_AGREEMENTS ?? (FULL ? 40_000 : 20_000));
const CHANGED = Number(process.env.BENCH_CHANGED ?? 1_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const FUNDERS = 20;
const FEEDS_PER_PROGRAMME = 20;
const SEED = 42;

const fmt = (n: number, d = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const secs = (ms: number): string => `${fmt(ms / 1000, 2)} s`;

async function rawFetchRate(
  base: string,
  ids: string[],
  concurrency: number,
): Promise<{ rate: number; bytes: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0,
    bytes = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < ids.length) {
        const id = ids[next++]!;
        await new Promise<void>((resolve, reject) => {
          http
            .get(`${base}/n/${id}/`, { agent }, (res) => {
              res.on('data', (c: Buffer) => {
                bytes += c.length;
              });
              res.on('end', () => resolve());
            })
            .on('error', reject);
        });
      }
    }),
  );
  agent.destroy();
  return { rate: ids.length / ((performance.now() - t0) / 1000), bytes: bytes / ids.length };
}

async function main(): Promise<void> {
  const every = Math.max(1, Math.floor(NOTES / AGREEMENTS));
  console.log(
    `praxis bench: ${fmt(NOTES)} notes in ${fmt(FEEDS)} feeds, ${fmt(AGREEMENTS)} open agreements (a matching note every ${every}), ` +
      `${CHANGED} changed notes, concurrency ${CONCURRENCY}`,
  );

  // Simulator in its own process, so server and connector each get a core.
  const child = fork(
    path.join(__dirname, 'sim-process.ts'),
    [String(NOTES), String(FEEDS), String(every), String(SEED)],
    { execArgv: ['--import', 'tsx'] },
  );
  const { baseUrl } = await new Promise<{ port: number; baseUrl: string }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as never));
    child.once('exit', (c) => reject(new Error(`simulator exited ${c}`)));
  });

  const env = await benchEnv();
  const cfg = loadConnectorConfig({
    DATABASE_URL: env.databaseUrl,
    AMQP_URL: env.amqpUrl,
    LOG_LEVEL: 'warn',
    // the service runs alone here: no producers whose outbox its work could wait for
    CATCH_UP_ENABLED: 'false',
    PORT: '0',
    PRAXIS_BASE_URL: baseUrl,
    PRAXIS_CONCURRENCY: String(CONCURRENCY),
    PRAXIS_FEED_CONCURRENCY: '16',
    PRAXIS_TIMEOUT_MS: '30000',
  });
  const logger = createLogger('bench', 'warn');
  const svc = await startConnector(cfg, logger);
  const pool = svc.runtime.pool;
  try {
    // Programmes: FEEDS/FEEDS_PER_PROGRAMME programmes over FUNDERS funders; carnet k belongs to programme k/FEEDS_PER_PROGRAMME.
    const funders = Array.from({ length: FUNDERS }, () => crypto.randomUUID());
    const programmes = Array.from({ length: Math.ceil(FEEDS / FEEDS_PER_PROGRAMME) }, (_, p) => ({
      id: crypto.randomUUID(),
      funderId: funders[p % FUNDERS]!,
      feeds: Array.from({ length: FEEDS_PER_PROGRAMME }, (_, j) => p * FEEDS_PER_PROGRAMME + j)
        .filter((k) => k < FEEDS)
        .map((k) => `${baseUrl}/carnets/carnet-${k}/rss.xml`),
    }));
    for (const p of programmes)
      await pool.query('INSERT INTO programme (id, funder_id, code, feeds) VALUES ($1, $2, $3, $4)', [
        p.id,
        p.funderId,
        'P',
        p.feeds,
      ]);
    // Agreement for note i (i % every == 0) belongs to the funder of the programme whose feed lists note i.
    const ids: string[] = [],
      fs: string[] = [],
      ps: string[] = [],
      codes: string[] = [];
    for (let i = 0, n = 0; i < NOTES && n < AGREEMENTS; i += every, n++) {
      const prog = programmes[Math.floor((i % FEEDS) / FEEDS_PER_PROGRAMME)]!;
      ids.push(crypto.randomUUID());
      fs.push(prog.funderId);
      ps.push(prog.id);
      codes.push(seededReferenceCode(SEED, i));
    }
    await pool.query(
      `INSERT INTO agreement (id, funder_id, programme_id, reference_code, external_ref, start_date, end_date, status, revision)
      SELECT u.id, u.f, u.p, u.c, 'EXT-' || u.c, '2023-01-01', '2027-12-31', 'active', 1 FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[]) AS u(id, f, p, c)`,
      [ids, fs, ps, codes],
    );

    /** One praxis_sync run outside the job queue (the configured options, or these), and how long it took. */
    const timedSync = async (opts?: Parameters<typeof svc.sync>[1]) => {
      const start = performance.now();
      const result = await svc.sync(crypto.randomUUID(), opts);
      return { result, ms: performance.now() - start };
    };
    /** The later runs: every feed polled, wider feed concurrency; `reverifyMinAgeSeconds` 0 re-verifies every matched note. */
    const later = (reverifyMinAgeSeconds: number) => ({
      feedConcurrency: 16,
      outageThreshold: 50,
      reverifyMinAgeSeconds,
    });

    // 1. Initial sync: every page is new.
    const { result: first, ms: initialMs } = await timedSync();
    console.log(
      `initial sync: ${secs(initialMs)} — ${fmt(first.counts.pagesFetched)} pages, ${fmt(first.counts.notesMatched)} notes matched, ` +
        `${fmt(first.counts.matchesNew)} verified events, ${fmt(first.counts.pagesFetched / (initialMs / 1000))} pages/s overall, error=${first.error}`,
    );

    // The initial sync's events are still being published by the outbox relay: let it finish so the
    // incremental figure is not the relay's.
    const t0 = performance.now();
    while ((await svc.runtime.relay.pending()) > 0) await new Promise((r) => setTimeout(r, 100));
    console.log(
      `outbox relay: initial sync's events all published ${secs(performance.now() - t0)} after the sync ended`,
    );

    // 2. Incremental: CHANGED notes change; every feed is polled (304 unless changed).
    const touched = await fetch(`${baseUrl}/_admin/touch`, {
      method: 'POST',
      body: JSON.stringify({ count: CHANGED, round: 1 }),
    });
    const changedIds = ((await touched.json()) as { ids: string[] }).ids;
    const http0 = svc.http.sent;
    const { result: second, ms: incrementalMs } = await timedSync(later(3600));
    console.log(
      `incremental sync after ${fmt(changedIds.length)} notes changed: ${secs(incrementalMs)} — ${fmt(svc.http.sent - http0)} requests ` +
        `(${fmt(second.counts.feedsChanged)} feeds 200, ${fmt(second.counts.feedsNotModified)} feeds 304, ${fmt(second.counts.itemsChanged)} items changed, ` +
        `${fmt(second.counts.pagesFetched)} pages); ${fmt(initialMs / incrementalMs, 1)}× faster than the initial sync`,
    );

    // 3. Re-verification of every matched note (the periodic check) vs raw fetch rate, same run.
    const matched = (await pool.query<{ id: string }>('SELECT id FROM note ORDER BY id')).rows.map((r) => r.id);
    const sample = matched.slice(0, Math.min(matched.length, 5_000));
    const raw = await rawFetchRate(baseUrl, sample, CONCURRENCY);
    const { result: third, ms: reverifyMs } = await timedSync(later(0));
    const rate = third.counts.reverified / (reverifyMs / 1000);
    console.log(
      `raw HTTP fetch from the simulator: ${fmt(raw.rate)} pages/s (${fmt(sample.length)} pages of ${fmt(raw.bytes)} B, concurrency ${CONCURRENCY}, no parsing)`,
    );
    console.log(
      `pages verified: ${fmt(rate)} pages/s (${fmt(third.counts.reverified)} matched notes re-verified in ${secs(reverifyMs)}, ` +
        `all feeds 304) = ${fmt(rate / raw.rate, 2)} of the raw fetch rate`,
    );
  } finally {
    await svc.stop();
    child.disconnect();
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
