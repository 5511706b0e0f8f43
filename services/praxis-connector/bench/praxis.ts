/**
 * `pnpm bench praxis` (npx tsx services/praxis-connector/bench/praxis.ts)
 *
 * The simulator (own process) serves NOTES notes in FEEDS carnet feeds; AGREEMENTS open agreements
 * each have one note among them that mentions its reference code. The CPU side is measured with the
 * rate cap lifted (PRAXIS_MAX_RPS very high, concurrency BENCH_CONCURRENCY); what politeness costs is
 * then measured and derived at the production rate. Prints:
 *  - initial sync (every item is new: decided from the feed's own text, a page fetched only for the
 *    items that can match) and its requests per verified note, counted by the simulator,
 *  - incremental sync after CHANGED notes change (only their feeds answer 200),
 *  - pages verified per second (re-verification of every matched note: fetch + parse + check + write)
 *    beside the raw HTTP fetch rate of the same simulator at the same concurrency, measured in this run,
 *  - the rate a polite connector (PRAXIS_MAX_RPS 5, concurrency 2) reaches, measured at the simulator,
 *    and what a full cycle over 1,000,000 notes takes at that rate.
 * Scale with BENCH_NOTES, BENCH_FEEDS, BENCH_AGREEMENTS, BENCH_CHANGED, BENCH_CONCURRENCY.
 * Agreements and programmes are written straight into the connector's tables (bulk), not sent through
 * the bus: the bus path is covered by the tests and is not what this measures.
 */
import { fork } from 'node:child_process';
import crypto from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { TrafficSummary } from '@pc/praxis-simulator';
import { createLogger } from '@pc/service-kit';
import { benchEnv, TEST_INTERNAL_SECRET } from '@pc/testkit';
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
const duration = (s: number): string =>
  s >= 86_400 ? `${fmt(s / 86_400, 1)} days` : s >= 3600 ? `${fmt(s / 3600, 1)} h` : `${fmt(s / 60, 1)} min`;
const POLITE_RPS = 5;
const CORPUS = 1_000_000;
const CORPUS_AGREEMENTS = 40_000;

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

  const traffic = async (reset = false): Promise<TrafficSummary> =>
    (await (
      await fetch(`${baseUrl}/_admin/traffic?windowMs=1000`, { method: reset ? 'DELETE' : 'GET' })
    ).json()) as TrafficSummary;

  const env = await benchEnv();
  const base = {
    DATABASE_URL: env.databaseUrl,
    AMQP_URL: env.amqpUrl,
    LOG_LEVEL: 'warn',
    INTERNAL_SECRET: TEST_INTERNAL_SECRET,
    // the service runs alone here: no producers whose outbox its work could wait for
    CATCH_UP_ENABLED: 'false',
    PORT: '0',
    PRAXIS_BASE_URL: baseUrl,
    PRAXIS_TIMEOUT_MS: '30000',
    PRAXIS_CONTACT_URL: 'https://example.org/bench',
  };
  // The CPU side: the rate cap lifted (the budget is still claimed from the database, as in production).
  const cfg = loadConnectorConfig({
    ...base,
    PRAXIS_MAX_RPS: '1000000',
    PRAXIS_CONCURRENCY: String(CONCURRENCY),
    PRAXIS_FEED_CONCURRENCY: '16',
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

    // 1. Initial sync: every item is new.
    await traffic(true);
    const { result: first, ms: initialMs } = await timedSync();
    const t1 = await traffic();
    const verified1 = first.counts.notesMatched;
    console.log(
      `initial sync: ${secs(initialMs)} — ${fmt(first.counts.items)} items, ${fmt(first.counts.itemsDecidedFromFeed)} decided from the feed's own text, ` +
        `${fmt(first.counts.pagesFetched)} pages fetched, ${fmt(verified1)} notes verified, ${fmt(first.counts.matchesNew)} verified events; ` +
        `${fmt(first.counts.items / (initialMs / 1000))} items/s, error=${first.error}`,
    );
    console.log(
      `  requests at the simulator: ${fmt(t1.requests)} (${fmt(t1.byKind.feeds)} feed pages, ${fmt(t1.byKind.pages)} note pages, ${t1.byKind.robots} robots.txt) ` +
        `= ${fmt(t1.requests / Math.max(1, verified1), 2)} requests per verified note (one page per item would be ${fmt((first.counts.items + t1.byKind.feeds) / Math.max(1, verified1), 2)})`,
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
    await traffic(true);
    const { result: second, ms: incrementalMs } = await timedSync(later(3600));
    const t2 = await traffic();
    console.log(
      `incremental sync after ${fmt(changedIds.length)} notes changed: ${secs(incrementalMs)} — ${fmt(t2.requests)} requests ` +
        `(${fmt(second.counts.feedsChanged)} feeds 200, ${fmt(second.counts.feedsNotModified)} feeds 304, ${fmt(second.counts.itemsChanged)} items changed, ` +
        `${fmt(second.counts.itemsDecidedFromFeed)} decided from the feed, ${fmt(second.counts.pagesFetched)} pages); ` +
        `${fmt(initialMs / incrementalMs, 1)}× faster than the initial sync`,
    );

    // 3. Re-verification of every matched note (the periodic check) vs raw fetch rate, same run.
    const matched = (await pool.query<{ id: string }>('SELECT id FROM note ORDER BY id')).rows.map((r) => r.id);
    const sample = matched.slice(0, Math.min(matched.length, 5_000));
    const raw = await rawFetchRate(baseUrl, sample, CONCURRENCY);
    await traffic(true);
    const { result: third, ms: reverifyMs } = await timedSync(later(0));
    const t3 = await traffic();
    const rate = third.counts.reverified / (reverifyMs / 1000);
    console.log(
      `raw HTTP fetch from the simulator: ${fmt(raw.rate)} pages/s (${fmt(sample.length)} pages of ${fmt(raw.bytes)} B, concurrency ${CONCURRENCY}, no parsing)`,
    );
    console.log(
      `pages verified, rate cap lifted: ${fmt(rate)} pages/s (${fmt(third.counts.reverified)} matched notes re-verified in ${secs(reverifyMs)}, ` +
        `all feeds 304, ${fmt(t3.requests / Math.max(1, third.counts.reverified), 2)} requests per verified note) = ${fmt(rate / raw.rate, 2)} of the raw fetch rate`,
    );

    // 4. The polite client, measured at the simulator: a second replica at the production settings.
    const polite = await startConnector(
      loadConnectorConfig({ ...base, PRAXIS_MAX_RPS: String(POLITE_RPS), PRAXIS_CONCURRENCY: '2' }),
      logger,
    );
    let politeRate: number;
    try {
      const n = Math.min(matched.length, 45);
      await traffic(true);
      const p0 = performance.now();
      await Promise.all(
        matched
          .slice(0, n)
          .map((id) => polite.http.get(`${baseUrl}/n/${id}/`, { maxBytes: 2_000_000, accept: 'text/html' })),
      );
      const wall = (performance.now() - p0) / 1000;
      const tp = await traffic();
      politeRate = (tp.requests - 1) / ((tp.lastAt! - tp.firstAt!) / 1000);
      console.log(
        `polite client (PRAXIS_MAX_RPS ${POLITE_RPS}, concurrency 2): ${fmt(tp.requests)} requests in ${fmt(wall, 1)} s, ` +
          `${fmt(politeRate, 2)} requests/s at the simulator, at most ${tp.maxInWindow} in any second ` +
          `(ceiling ${fmt(1000 / polite.http.interval, 2)}/s: ${fmt(polite.http.interval)} ms apart)`,
      );
    } finally {
      await polite.stop();
    }

    // 5. What a full cycle over the province's corpus takes at that rate, from this run's request
    // counts: feed pages grow with the notes, note pages with the agreements (the items that can match).
    const byNotes = CORPUS / NOTES;
    const byAgreements = CORPUS_AGREEMENTS / AGREEMENTS;
    const discovery = t1.byKind.feeds * byNotes + t1.byKind.pages * byAgreements + t1.byKind.robots;
    const matchedAtScale = third.counts.reverified * byAgreements;
    const cycle = matchedAtScale + FEEDS; // each feed polled once per cycle (304 when unchanged)
    const naive = CORPUS + t1.byKind.feeds * byNotes;
    console.log(
      `a full cycle over ${fmt(CORPUS)} notes and ${fmt(CORPUS_AGREEMENTS)} agreements at ${fmt(politeRate, 2)} requests/s ` +
        `(this run's counts: feed pages × ${fmt(byNotes, 1)}, note pages × ${fmt(byAgreements, 1)}): ` +
        `first discovery ${fmt(discovery)} requests = ${duration(discovery / politeRate)}; ` +
        `each re-verification cycle ${fmt(matchedAtScale)} matched notes + ${fmt(FEEDS)} feed polls = ${duration(cycle / politeRate)}; ` +
        `reading every note page instead: ${fmt(naive)} requests = ${duration(naive / politeRate)}`,
    );
    console.log(
      `load average: ${os
        .loadavg()
        .map((l) => fmt(l, 2))
        .join(' / ')} (1 / 5 / 15 min)`,
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
