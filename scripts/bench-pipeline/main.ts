/**
 * `pnpm bench pipeline [-- --agreements 20000 --notes 100000]` — the whole system as `pnpm start`
 * runs it (one process per service, the Praxis simulator included), on a fresh database and vhost,
 * with a local SMTP sink:
 *  1. a CSV import of N agreements (2N obligations) through the edge;
 *  2. absorbed: until EVERY consumer has applied the import's events (its inbox against the outboxes);
 *  3. an evaluation requested right after the import's answer, until the last digest reaches the sink,
 *     and a check that every due contact got exactly one;
 *  4. a Praxis sync over the simulator's notes (some mention reference codes);
 *  5. the compliance report in JSON, CSV, HTML and PDF through the edge;
 *  6. the funder dashboard pages, as an officer invited by email and signed in with its link opens
 *     them through the edge (beside the JSON report they read).
 * Each phase is printed beside the raw limit of its bottleneck measured in the same run, then the
 * peak RSS of every process and the load average. Everything it starts is stopped at the end, on
 * Ctrl-C and on error; its database and vhost are dropped. Exits 1 when a check fails.
 *
 * Options: --agreements N (20000), --notes N (100000), --carnets N (50, one feed each, ≤ 50),
 * --praxis-concurrency N (16), --timeout S (per wait; default max(600, N/5)), --log-level L (warn).
 */
import pg from 'pg';
import { EXCHANGE, eventMessage } from '@pc/bus';
import { Corpus } from '@pc/praxis-simulator';
import { todayInMontreal } from '@pc/service-kit';
import { openSignInLink, type SinkMessage } from '@pc/testkit';
import {
  consumerBindings,
  consumerProgress,
  listQueues,
  mayBeCaughtUp,
  loadAverage,
  peakRssMiB,
  QueueSampler,
  topicMatches,
  type ConsumerProgress,
  type WatchedSet,
} from './probes';
import { rawBus, rawCopyCsv, rawCopyOut, rawHttp, rawSmtp } from './raw';
import { startStack, type Stack } from './stack';
import { buildWorkload, checkDigests, CSV_HEADER, PROGRAMME_CODE, type Workload } from './workload';

interface Args {
  agreements: number;
  notes: number;
  carnets: number;
  praxisConcurrency: number;
  timeoutS: number;
  logLevel: string;
}

function parseArgs(argv: string[]): Args {
  const given = new Map<string, string>();
  const rest = argv.filter((a) => a !== '--');
  for (let i = 0; i < rest.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(rest[i]!);
    if (!m) throw new Error(`unexpected argument ${rest[i]}`);
    given.set(m[1]!, m[2] ?? rest[++i] ?? '');
  }
  const num = (k: string, d: number): number => {
    const v = given.has(k) ? Number(given.get(k)) : d;
    if (!Number.isInteger(v) || v < 1) throw new Error(`--${k} must be a positive integer`);
    given.delete(k);
    return v;
  };
  const agreements = num('agreements', 20_000);
  const args: Args = {
    agreements,
    notes: num('notes', 100_000),
    carnets: num('carnets', 50),
    praxisConcurrency: num('praxis-concurrency', 16),
    timeoutS: num('timeout', Math.max(600, Math.ceil(agreements / 5))),
    logLevel: given.get('log-level') ?? 'warn',
  };
  given.delete('log-level');
  if (given.size > 0) throw new Error(`unknown option ${[...given.keys()].map((k) => `--${k}`).join(', ')}`);
  if (args.carnets > 50) throw new Error('--carnets: a programme lists at most 50 feeds');
  return args;
}

const fmt = (n: number, d = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const secs = (ms: number): string => `${fmt(ms / 1000, 1)} s`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Set when a service dies while the bench still needs it: every wait stops on it. */
let crashed: Error | null = null;

async function until<T>(
  what: string,
  fn: () => Promise<T | null | false | undefined>,
  timeoutMs: number,
  everyMs: () => number = () => 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (crashed) throw crashed;
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${secs(timeoutMs)} waiting for ${what}`);
    await sleep(everyMs());
  }
}

interface Reply {
  status: number;
  body: Buffer;
  type: string;
  json<T>(): T;
}

function client(base: string) {
  return async (method: string, path: string, token: string, body?: unknown, contentType?: string): Promise<Reply> => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    let payload: string | undefined;
    if (body !== undefined) {
      headers['content-type'] = contentType ?? 'application/json';
      payload = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const r = await fetch(`${base}${path}`, { method, headers, body: payload });
    const buf = Buffer.from(await r.arrayBuffer());
    return {
      status: r.status,
      body: buf,
      type: r.headers.get('content-type') ?? '',
      json: <T>() => JSON.parse(buf.toString('utf8')) as T,
    };
  };
}
type Client = ReturnType<typeof client>;

async function expectStatus(what: string, r: Promise<Reply>, status: number): Promise<Reply> {
  const reply = await r;
  if (reply.status !== status)
    throw new Error(`${what}: HTTP ${reply.status} (expected ${status}) ${reply.body.toString('utf8').slice(0, 1000)}`);
  return reply;
}

interface Job {
  id: string;
  status: string;
  counts: Record<string, number>;
  error?: string | null;
}

/** Polls a job through the edge until it succeeded or failed; remembers every status it showed. */
async function followJob(
  api: Client,
  token: string,
  id: string,
  timeoutMs: number,
): Promise<{ job: Job; seen: string[] }> {
  const seen: string[] = [];
  const job = await until(
    `job ${id} to finish`,
    async () => {
      const r = await api('GET', `/v1/jobs/${id}`, token);
      if (r.status === 503) return null; // not visible yet: asked again (read-your-writes answers 503, never 404)
      if (r.status !== 200) throw new Error(`GET job ${id}: HTTP ${r.status} ${r.body.toString('utf8').slice(0, 500)}`);
      const j = r.json<Job>();
      if (seen.at(-1) !== j.status) seen.push(j.status);
      return j.status === 'succeeded' || j.status === 'failed' ? j : null;
    },
    timeoutMs,
  );
  return { job, seen };
}

interface Consumer {
  queue: string;
  schema: string;
  bindings: string[];
}

/** Waits until every consumer bound to the watched types has applied every such event; returns the progress rows. */
async function absorbed(
  db: pg.Client,
  schemas: string[],
  consumers: Consumer[],
  watch: WatchedSet,
  what: string,
  timeoutMs: number,
  probeMs: number[],
): Promise<ConsumerProgress[]> {
  let last = 0;
  return until(
    what,
    async () => {
      const t = performance.now();
      const rows = (await mayBeCaughtUp(db, schemas, consumers, watch))
        ? await consumerProgress(db, schemas, consumers, watch)
        : [];
      last = performance.now() - t;
      probeMs.push(last);
      return rows.length > 0 && rows.every((r) => r.applied >= r.expected) ? rows : null;
    },
    timeoutMs,
    // the probe costs database time on a 2-core machine: at most ~10 % of the interval
    () => Math.max(500, 10 * last),
  );
}

interface Row {
  phase: string;
  wallMs: number | null;
  throughput: string;
  rate: number | null;
  peak: string;
  raw: string;
  rawRate: number | null;
}

function table(rows: Row[]): string {
  const head = ['phase', 'wall', 'throughput', 'peak queue depth', 'raw limit, same run', 'ratio'];
  const lines = rows.map((r) => [
    r.phase,
    r.wallMs === null ? 'n/a' : secs(r.wallMs),
    r.throughput,
    r.peak,
    r.raw,
    r.rate !== null && r.rawRate ? fmt(r.rate / r.rawRate, 2) : 'n/a',
  ]);
  return [head, head.map(() => '---'), ...lines].map((l) => `| ${l.join(' | ')} |`).join('\n');
}

/** The envelope the relay publishes for one outbox row of `type` (a real message, for the raw bus limit). */
async function sampleMessage(db: pg.Client, schema: string, type: string): Promise<Buffer | null> {
  const { rows } = await db.query<{
    id: string;
    type: string;
    subject: string | null;
    data: unknown;
    created_at: Date;
  }>(`SELECT id, type, subject, data, created_at FROM ${schema}.outbox WHERE type = $1 LIMIT 1`, [type]);
  const r = rows[0];
  if (!r) return null;
  return eventMessage({ id: r.id, type: r.type, subject: r.subject, data: r.data, time: r.created_at, source: schema })
    .content;
}

/**
 * The dashboard as an officer sees it at this size: an officer invited through the API signs in
 * with the invitation's link (its page, then its form, as a browser would), then each page is
 * fetched five times through the edge; the median of each, and its size.
 */
async function dashboardTimes(
  api: Client,
  stack: Stack,
  admin: string,
  funderId: string,
): Promise<Array<[string, number, number]>> {
  const email = 'officier.banc@example.org';
  const sent = stack.sink.messages.length;
  await expectStatus(
    'invite an officer',
    api('POST', '/v1/members', admin, { email, role: 'funder_officer', funderIds: [funderId] }),
    201,
  );
  const mail = await until(
    'the invitation at the sink',
    async () => stack.sink.messages.slice(sent).find((m) => m.envelopeTo.includes(email)),
    30_000,
  );
  const link = /\/sign-in\/link\?token=[\w%-]+/.exec(mail.parsed.text ?? '')![0];
  const { cookie } = await openSignInLink(stack.edgeUrl, link);
  const out: Array<[string, number, number]> = [];
  for (const [what, path] of [
    ['dashboard', '/funder'],
    ['overdue, by grantee', '/funder?status=overdue&sort=grantee'],
    ['text search', '/funder?q=PX-'],
  ] as const) {
    const runs: number[] = [];
    let bytes = 0;
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      const r = await fetch(`${stack.edgeUrl}${path}`, { headers: { cookie } });
      const body = await r.arrayBuffer();
      if (r.status !== 200) throw new Error(`${path}: HTTP ${r.status}`);
      runs.push(performance.now() - t);
      bytes = body.byteLength;
    }
    runs.sort((a, b) => a - b);
    out.push([what, runs[2]!, bytes]);
  }
  return out;
}

async function run(args: Args, setStop: (stop: () => Promise<unknown>) => void): Promise<boolean> {
  const N = args.agreements;
  const timeoutMs = args.timeoutS * 1000;
  const asOf = todayInMontreal();
  const w: Workload = buildWorkload(N, asOf, Date.now().toString(36));
  const loads: Array<[string, string]> = [['start', loadAverage()]];
  console.log(
    `pipeline bench: ${fmt(N)} agreements (${fmt(w.obligations)} obligations, CSV ${fmt(Buffer.byteLength(w.csv) / 1048576, 2)} MiB), ` +
      `evaluation as of ${asOf}: ${fmt(w.dueObligations)} obligations due for a stage, ${fmt(w.dueContacts.size)} contacts due; ` +
      `Praxis: ${fmt(args.notes)} seeded notes in ${args.carnets} carnets + ${fmt(w.withNote.length)} notes mentioning a reference code`,
  );
  console.log(`load average at start: ${loads[0]![1]}`);

  const tBoot = Date.now();
  const stack: Stack = await startStack({
    env: {
      LOG_LEVEL: args.logLevel,
      // the bench requests its own jobs; a cron slot firing mid-run would blur every figure
      SCHEDULES_ENABLED: 'false',
      // the local simulator is not Praxis: no politeness cap here (the polite figure is computed below)
      PRAXIS_MAX_RPS: '100000',
      PRAXIS_CONCURRENCY: String(args.praxisConcurrency),
      SIM_NOTES: String(args.notes),
      SIM_CARNETS: String(args.carnets),
      SIM_SEED: '7',
    },
    onCrash: (name, code, signal) => {
      crashed = new Error(`${name} exited (${code ?? signal}) while the bench needed it`);
      console.error(crashed.message);
    },
    registerStop: setStop,
  });
  console.log(
    `system started: ${stack.services.length} processes ready in ${secs(Date.now() - tBoot)} (${stack.edgeUrl}; database and vhost ${stack.dbName})`,
  );

  const db = new pg.Client({ connectionString: stack.databaseUrl });
  // dropping the database at the stop ends this connection: not an error of the bench
  db.on('error', () => undefined);
  let sampler: QueueSampler | null = null;
  try {
    await db.connect();
    const queues = new QueueSampler(stack.amqpUrl, listQueues(stack.vhost));
    sampler = queues;
    const schemas = stack.infos.flatMap((s) => (s.schema ? [s.schema] : []));
    const bindings = consumerBindings(stack.vhost, EXCHANGE);
    const consumers: Consumer[] = [...bindings].flatMap(([queue, b]) => {
      const svc = stack.infos.find((s) => queue.startsWith(`${s.name}.`));
      return svc?.schema ? [{ queue, schema: svc.schema, bindings: b }] : [];
    });
    await queues.start(250);
    const probeMs: number[] = [];
    const api = client(stack.edgeUrl);
    const admin = stack.adminToken;

    // Setup through the public API: a funder, its key, a programme listing one feed per carnet.
    const tSetup = new Date(Date.now() - 1000);
    const funder = (
      await expectStatus(
        'register funder',
        api('POST', '/v1/funders', admin, { name: 'Fondation du banc d’essai pipeline', kind: 'foundation' }),
        201,
      )
    ).json<{ id: string }>();
    const key = (
      await expectStatus(
        'create API key',
        api('POST', '/v1/api-keys', admin, { role: 'funder', funderId: funder.id, label: 'bench pipeline' }),
        201,
      )
    ).json<{ token: string }>().token;
    const feeds = Array.from({ length: args.carnets }, (_, k) => `${stack.simulatorUrl}/carnets/carnet-${k}/rss.xml`);
    await expectStatus(
      'register programme',
      api('POST', '/v1/programmes', key, { code: PROGRAMME_CODE, name: 'Transfert des savoirs', praxisFeeds: feeds }),
      201,
    );
    await absorbed(
      db,
      schemas,
      consumers,
      { types: ['funder.registered.v1', 'programme.registered.v1'], since: tSetup },
      'the funder and programme to reach every consumer',
      timeoutMs,
      [],
    );

    // 1. Import; 3. the evaluation requested the moment the import answers.
    const t1 = Date.now();
    const imp = await expectStatus('CSV import', api('POST', '/v1/agreements/import', key, w.csv, 'text/csv'), 201);
    const answerAt = Date.now();
    const evalAt = Date.now();
    const evalJob = (
      await expectStatus('request evaluation', api('POST', '/v1/jobs/evaluate', admin, { asOf }), 202)
    ).json<{ id: string }>().id;
    const imported = imp.json<{ created: number; unchanged: number; obligationsCreated: number }>();
    loads.push(['after import', loadAverage()]);
    console.log(
      `1. import answered ${imp.status} after ${secs(answerAt - t1)}: ${fmt(imported.created)} agreements, ${fmt(imported.obligationsCreated)} obligations; evaluation ${evalJob} requested ${evalAt - answerAt} ms later`,
    );
    if (imported.created !== N) throw new Error(`the import created ${imported.created} agreements, not ${N}`);

    let lastDigestAt: number | null = null;
    const push = stack.sink.messages.push.bind(stack.sink.messages);
    stack.sink.messages.push = (...m: SinkMessage[]): number => {
      lastDigestAt = Date.now();
      return push(...m);
    };

    const importWatch: WatchedSet = {
      types: ['agreement.registered.v1', 'obligation.transitioned.v1'],
      since: new Date(t1 - 1000),
    };
    const [progress, evaluation] = await Promise.all([
      absorbed(db, schemas, consumers, importWatch, 'every consumer to apply the import', timeoutMs, probeMs).then(
        (rows) => {
          loads.push(['after absorption', loadAverage()]);
          return rows;
        },
      ),
      (async () => {
        const followed = await followJob(api, admin, evalJob, timeoutMs);
        const jobDoneAt = Date.now();
        if (followed.job.status === 'succeeded' && followed.job.counts.reminders !== 0)
          await until(
            'the notifier to send every digest of the run',
            async () => {
              const { rows } = await db.query<{ digested: boolean; open: number; total: number }>(
                `SELECT r.digested_at IS NOT NULL AS digested,
                   (SELECT count(*) FROM notifier.digest d WHERE d.run_id = r.run_id
                      AND d.state IN ('pending', 'sending', 'failed_temporary', 'skipped_window'))::int AS open,
                   (SELECT count(*) FROM notifier.digest d WHERE d.run_id = r.run_id)::int AS total
                 FROM notifier.run r WHERE r.run_id = $1::uuid`,
                [evalJob],
              );
              const r = rows[0];
              return r && r.digested && r.open === 0 ? r : null;
            },
            timeoutMs,
          );
        loads.push(['after digests', loadAverage()]);
        return { ...followed, jobDoneAt, doneAt: Date.now() };
      })(),
    ]);
    const absorbedAt = Math.max(...progress.map((p) => p.lastAt ?? answerAt));
    const deliveries = progress.reduce((a, p) => a + p.expected, 0);
    console.log(
      `2. absorbed: every consumer applied the import ${secs(absorbedAt - answerAt)} after its answer (${fmt(deliveries)} deliveries):`,
    );
    for (const p of [...progress].sort((a, b) => (b.lastAt ?? 0) - (a.lastAt ?? 0)))
      console.log(
        `   ${p.consumer.padEnd(28)} ${fmt(p.applied).padStart(7)} events, last applied +${secs((p.lastAt ?? answerAt) - answerAt)}` +
          `  (${fmt(p.applied / Math.max(0.001, ((p.lastAt ?? answerAt) - answerAt) / 1000))} events/s from the answer)`,
      );
    console.log(
      `   probe: ${probeMs.length} inbox/outbox snapshots, median ${fmt([...probeMs].sort((a, b) => a - b)[Math.floor(probeMs.length / 2)] ?? 0)} ms each`,
    );

    // what the run sent, frozen here: the raw SMTP limit later sends to the same sink
    stack.sink.messages.push = push;
    const received = stack.sink.messages.map((m) => m.envelopeTo);
    const check = checkDigests(w.dueContacts, received);
    const digestsOk = check.missing.length === 0 && check.duplicated.length === 0 && check.unexpected.length === 0;
    const job = evaluation.job;
    console.log(
      `3. evaluation ${job.status} (statuses seen: ${evaluation.seen.join(' → ')}) ${secs(evaluation.jobDoneAt - evalAt)} after its request, ` +
        `counts ${JSON.stringify(job.counts)}${job.error ? `, error: ${job.error}` : ''}`,
    );
    console.log(
      `   the job covered ${fmt(job.counts.obligations ?? NaN)} of the ${fmt(w.obligations)} obligations imported, ` +
        `${fmt(job.counts.reminders ?? NaN)} of ${fmt(w.dueObligations)} due stages` +
        ((job.counts.obligations ?? 0) < w.obligations && job.status === 'succeeded'
          ? ' — it ran over PARTIAL data and said succeeded'
          : ''),
    );
    console.log(
      `   digests at the sink: ${fmt(received.length)} for ${fmt(w.dueContacts.size)} due contacts; exactly one: ${fmt(check.exactlyOnce)}; ` +
        `missing ${fmt(check.missing.length)}, more than one ${fmt(check.duplicated.length)}, not due ${fmt(check.unexpected.length)}` +
        (lastDigestAt !== null ? `; last digest ${secs(lastDigestAt - evalAt)} after the request` : ''),
    );
    const show = <T>(label: string, xs: T[]): void => {
      if (xs.length > 0)
        console.log(
          `   ${label}: ${xs
            .slice(0, 5)
            .map((x) => String(x))
            .join(', ')}${xs.length > 5 ? ` … (${fmt(xs.length)})` : ''}`,
        );
    };
    show('missing', check.missing);
    show(
      'more than one',
      check.duplicated.map(([a, k]) => `${a} ×${k}`),
    );
    show('not due', check.unexpected);

    // 4. Praxis: notes that mention the reference codes the import gave, then a sync.
    const codes = new Map<string, string>();
    for (let cursor: string | null = ''; cursor !== null;) {
      const page: { data: Array<{ externalRef: string; referenceCode: string }>; nextCursor: string | null } = (
        await expectStatus(
          'list agreements',
          api('GET', `/v1/agreements?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, key),
          200,
        )
      ).json();
      for (const a of page.data) codes.set(a.externalRef, a.referenceCode);
      cursor = page.nextCursor;
    }
    const published = new Date(Date.now() - 86_400_000).toISOString();
    let nextNote = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (nextNote < w.withNote.length) {
          const i = w.withNote[nextNote++]!;
          const code = codes.get(w.externalRef(i));
          if (!code) throw new Error(`no reference code for ${w.externalRef(i)}`);
          const r = await fetch(`${stack.simulatorUrl}/_admin/notes`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              title: `Ce que nous avons appris — organisme ${i}`,
              body: `Notre démarche de transfert des savoirs, ses étapes et ses difficultés. Code de référence : ${code}.`,
              carnets: [`carnet-${i % args.carnets}`],
              publishedAt: published,
            }),
          });
          if (r.status !== 201) throw new Error(`simulator: note not created (${r.status})`);
        }
      }),
    );
    type Stats = { pages: number; feeds: number; notModified: number; other: number };
    const stats = async (): Promise<Stats> =>
      (await (await fetch(`${stack.simulatorUrl}/_admin/stats`)).json()) as Stats;
    const s0 = await stats();
    const syncAt = Date.now();
    const syncJob = (await expectStatus('request Praxis sync', api('POST', '/v1/jobs/praxis-sync', admin), 202)).json<{
      id: string;
    }>().id;
    const sync = await followJob(api, admin, syncJob, timeoutMs);
    const syncDoneAt = Date.now();
    const s1 = await stats();
    const syncProgress = await absorbed(
      db,
      schemas,
      consumers,
      {
        types: ['praxis.note.verified.v1', 'praxis.note.withdrawn.v1', 'obligation.transitioned.v1'],
        since: new Date(syncAt - 1000),
      },
      'every consumer to apply the sync',
      timeoutMs,
      [],
    );
    const syncAppliedAt = Math.max(syncDoneAt, ...syncProgress.map((p) => p.lastAt ?? 0));
    loads.push(['after Praxis sync', loadAverage()]);
    const pages = s1.pages - s0.pages;
    const feedRequests = s1.feeds - s0.feeds;
    const requests = pages + feedRequests + (s1.other - s0.other);
    const verified = syncProgress.find((p) => p.consumer === 'obligations.evidence');
    console.log(
      `4. Praxis sync ${sync.job.status} (${sync.seen.join(' → ')}) in ${secs(syncDoneAt - syncAt)}; its events applied everywhere ${secs(syncAppliedAt - syncAt)} after the request; counts ${JSON.stringify(sync.job.counts)}`,
    );
    console.log(
      `   requests to the simulator: ${fmt(requests)} (${fmt(pages)} note pages, ${fmt(feedRequests)} feed pages, ${fmt(s1.notModified - s0.notModified)} of them 304) ` +
        `for ${fmt(w.withNote.length)} notes that mention a code (${verified ? `${fmt(verified.expected)} note events applied by obligations` : 'no note event'}); ` +
        `${fmt(requests / Math.max(1, w.withNote.length), 1)} requests per note to verify`,
    );
    console.log(
      `   at the polite 5 requests/s this cycle would take ${secs((requests / 5) * 1000)} (${fmt(requests / 5 / 3600, 2)} h)`,
    );

    // 5. The compliance report in every format, through the edge.
    const reportTimes: Array<[string, number, number]> = [];
    for (const format of ['json', 'csv', 'html', 'pdf']) {
      const t = performance.now();
      const r = await expectStatus(
        `report ${format}`,
        api('GET', `/v1/reports/compliance?format=${format}&asOf=${asOf}`, key),
        200,
      );
      reportTimes.push([format, performance.now() - t, r.body.length]);
    }
    const reportMs = reportTimes.reduce((a, [, ms]) => a + ms, 0);
    const reportRows = Number(
      (await db.query<{ n: string }>('SELECT count(*) AS n FROM reports.obligation')).rows[0]?.n ?? 0,
    );
    loads.push(['after reports', loadAverage()]);
    console.log(
      `5. compliance report over ${fmt(reportRows)} obligations: ${reportTimes
        .map(([f, ms, b]) => `${f} ${secs(ms)} (${fmt(b / 1024)} KiB)`)
        .join(', ')}`,
    );

    // 6. The funder dashboard at this size, through the edge, as an invited officer's browser opens it.
    const pageTimes = await dashboardTimes(api, stack, admin, funder.id);
    loads.push(['after pages', loadAverage()]);
    console.log(
      `6. dashboard pages (median of 5): ${pageTimes.map(([what, ms, b]) => `${what} ${secs(ms)} (${fmt(b / 1024)} KiB)`).join(', ')}`,
    );

    const rss = stack.services.map((s) => [s.name, s.child.pid ? peakRssMiB(s.child.pid) : null] as const);

    // Raw limits, same run, with the system idle.
    console.log('raw limits (same run, system idle)…');
    const copyMs = await rawCopyCsv(stack.databaseUrl, w.csv, CSV_HEADER);
    const bodies: Buffer[] = [];
    for (const type of importWatch.types) {
      const n = Number(
        (
          await db.query<{ n: string }>(
            `SELECT (SELECT count(*) FROM agreements.outbox WHERE type = $1 AND created_at >= $2 AND created_at < $3)
                  + (SELECT count(*) FROM obligations.outbox WHERE type = $1 AND created_at >= $2 AND created_at < $3) AS n`,
            [type, importWatch.since, new Date(syncAt)],
          )
        ).rows[0]?.n ?? 0,
      );
      const bound = consumers.filter((c) => c.bindings.some((b) => topicMatches(b, type))).length;
      const sample =
        (await sampleMessage(db, 'agreements', type)) ?? (await sampleMessage(db, 'obligations', type)) ?? null;
      if (sample) for (let k = 0; k < n * bound; k++) bodies.push(sample);
    }
    const busRate = bodies.length > 0 ? await rawBus(stack.amqpUrl, bodies) : null;
    const captured = stack.sink.messages.splice(0);
    const pool = Number(process.env.SMTP_POOL_SIZE ?? 5);
    const smtpMessages = captured.map((m) => ({
      from: m.parsed.from?.value[0]?.address ?? 'no-reply@praxis-conformite.local',
      to: m.envelopeTo,
      raw: m.raw,
    }));
    const smtpCount = Math.max(smtpMessages.length, w.dueContacts.size);
    const smtpRate =
      smtpMessages.length > 0
        ? await rawSmtp(
            stack.sink.url,
            Array.from({ length: smtpCount }, (_, k) => smtpMessages[k % smtpMessages.length]!),
            pool,
          )
        : null;
    const corpus = new Corpus({ seed: 7, notes: args.notes, carnets: args.carnets });
    const urls: string[] = [];
    for (let k = 0; k < pages; k++) urls.push(`${stack.simulatorUrl}/n/${corpus.idOf(k % args.notes)}/`);
    const perCarnet = Math.ceil(args.notes / args.carnets / 100);
    for (let k = 0; k < feedRequests; k++) {
      const page = 1 + (Math.floor(k / args.carnets) % Math.max(1, perCarnet));
      urls.push(`${stack.simulatorUrl}/carnets/carnet-${k % args.carnets}/rss.xml${page > 1 ? `?page=${page}` : ''}`);
    }
    const httpRate = urls.length > 0 ? await rawHttp(urls, args.praxisConcurrency) : null;
    const copyOut = await rawCopyOut(
      stack.databaseUrl,
      'SELECT o.*, a.* FROM reports.obligation o JOIN reports.agreement a ON a.id = o.agreement_id',
    );

    const win = (from: number, to: number): string => {
      const p = queues.peak(from, to);
      return p.queue ? `${fmt(p.total)} (${p.queue} ${fmt(p.byQueue[p.queue] ?? 0)})` : '0';
    };
    const digestRate =
      lastDigestAt !== null && received.length > 0 ? received.length / ((lastDigestAt - evalAt) / 1000) : null;
    const rows: Row[] = [
      {
        phase: `1. CSV import, ${fmt(N)} agreements`,
        wallMs: answerAt - t1,
        throughput: `${fmt((w.rows / (answerAt - t1)) * 1000)} CSV rows/s`,
        rate: (w.rows / (answerAt - t1)) * 1000,
        peak: win(t1, answerAt),
        raw: `COPY of the same rows: ${fmt((w.rows / copyMs) * 1000)} rows/s`,
        rawRate: (w.rows / copyMs) * 1000,
      },
      {
        phase: '2. absorbed by every consumer',
        wallMs: absorbedAt - answerAt,
        throughput: `${fmt((deliveries / (absorbedAt - answerAt)) * 1000)} deliveries/s`,
        rate: (deliveries / (absorbedAt - answerAt)) * 1000,
        peak: win(answerAt, absorbedAt),
        raw: busRate ? `confirm publish + consume of ${fmt(bodies.length)} msgs: ${fmt(busRate)} msg/s` : 'n/a',
        rawRate: busRate,
      },
      {
        phase: `3. evaluation → last digest (${fmt(received.length)} of ${fmt(w.dueContacts.size)})`,
        wallMs: lastDigestAt !== null ? lastDigestAt - evalAt : null,
        throughput: digestRate !== null ? `${fmt(digestRate, 1)} digests/s` : 'no digest',
        rate: digestRate,
        peak: win(evalAt, evaluation.doneAt),
        raw: smtpRate ? `pooled SMTP (${pool}) of ${fmt(smtpCount)} msgs: ${fmt(smtpRate)} msg/s` : 'n/a',
        rawRate: smtpRate,
      },
      {
        phase: `4. Praxis sync, ${fmt(args.notes + w.withNote.length)} notes`,
        wallMs: syncDoneAt - syncAt,
        throughput: `${fmt((requests / (syncDoneAt - syncAt)) * 1000)} requests/s`,
        rate: (requests / (syncDoneAt - syncAt)) * 1000,
        peak: win(syncAt, syncAppliedAt),
        raw: httpRate
          ? `raw fetch of ${fmt(urls.length)} URLs (c=${args.praxisConcurrency}): ${fmt(httpRate)} req/s`
          : 'n/a',
        rawRate: httpRate,
      },
      {
        phase: '5. compliance report ×4 formats',
        wallMs: reportMs,
        throughput: `${fmt(((4 * reportRows) / reportMs) * 1000)} rows/s`,
        rate: ((4 * reportRows) / reportMs) * 1000,
        peak: '—',
        raw: `COPY TO of the report's ${fmt(copyOut.rows)} rows: ${fmt((copyOut.rows / copyOut.ms) * 1000)} rows/s`,
        rawRate: (copyOut.rows / copyOut.ms) * 1000,
      },
      {
        phase: '6. dashboard page (GET /funder)',
        wallMs: pageTimes[0]![1],
        rate: 1000 / pageTimes[0]![1],
        throughput: `${fmt(1000 / pageTimes[0]![1], 2)} pages/s`,
        peak: 'n/a',
        raw: `the JSON report it reads, alone: ${secs(reportTimes[0]![1])}`,
        rawRate: 1000 / reportTimes[0]![1],
      },
    ];
    loads.push(['end', loadAverage()]);
    console.log('');
    console.log(table(rows));
    console.log('');
    const toLast = lastDigestAt !== null ? lastDigestAt - t1 : null;
    console.log(
      `import request → last digest: ${toLast !== null ? secs(toLast) : 'no digest'} (target ≤ 90 s, aim 60 s)` +
        `${digestsOk ? '' : ' — but NOT every due contact got exactly one digest'}; import request → absorbed everywhere: ${secs(absorbedAt - t1)}`,
    );
    console.log(
      `peak RSS (MiB): ${rss.map(([n, m]) => `${n} ${m === null ? '?' : fmt(m)}`).join(', ')}; ` +
        `dead-lettered at the end: ${queues.lastDlq()}`,
    );
    console.log(`load average (1/5/15 min): ${loads.map(([w, l]) => `${w} ${l}`).join('; ')}`);
    if (!digestsOk) console.log('CHECK FAILED: every due contact must get exactly one digest');
    if (queues.lastDlq() > 0) console.log('CHECK FAILED: messages were dead-lettered');
    return digestsOk && queues.lastDlq() === 0;
  } finally {
    await sampler?.stop();
    await db.end().catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  let stop: (() => Promise<unknown>) | null = null;
  let stopping: Promise<void> | null = null;
  const stopAll = (): Promise<void> =>
    (stopping ??= (async () => {
      if (!stop) return;
      const left = (await stop()) as Array<{ pid: number; cmd: string }>;
      for (const p of left) console.error(`process ${p.pid} was still running after the stop and was killed: ${p.cmd}`);
      if (left.length > 0) process.exitCode = 1;
      else console.log('stopped: every process the bench started has exited; database and vhost dropped');
    })());
  let interrupted = false;
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.on(sig, () => {
      interrupted = true;
      console.error(`${sig}: stopping everything the bench started`);
      void stopAll().finally(() => process.exit(130));
    });
  // whatever fails outside the awaited flow still stops what the bench started
  process.on('uncaughtException', (err) => {
    console.error('uncaught:', err);
    void stopAll().finally(() => process.exit(1));
  });
  process.on('unhandledRejection', (err) => {
    console.error('unhandled rejection:', err);
    void stopAll().finally(() => process.exit(1));
  });
  let ok = false;
  try {
    ok = await run(args, (s) => (stop = s));
  } catch (err) {
    // once interrupted, what fails is only the services going away
    if (!interrupted) console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  } finally {
    await stopAll();
  }
  process.exit(ok && !process.exitCode ? 0 : 1);
}

void main();
