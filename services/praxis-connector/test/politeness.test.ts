import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { VERIFICATIONS_PATH, type VerificationResponseBody } from '@pc/contracts';
import { asPrincipal, eventPublisher, eventually, type EventPublisher } from '@pc/testkit';
import type { Arrival, Simulator, TrafficSummary } from '@pc/praxis-simulator';
import { startConnector, type RunningConnector } from '../src/main';
import { loadConnectorConfig } from '../src/config';
import { actor, agreementData, startHarness } from './helpers';

// Reading Praxis politely, measured where Praxis would measure it: at the simulator. The request
// rate it sees, the pauses it asks for, its robots.txt and the User-Agent it is given.
jest.setTimeout(90_000);

const CONTACT = 'https://example.org/praxis-robot';
const VERSION = (JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string })
  .version;
const system = asPrincipal({ role: 'admin', keyId: 'system:obligations' });

interface Finished {
  jobId: string;
  status: string;
  counts: Record<string, number>;
  error: string | null;
}

/** What a test needs around one connector: its harness, a bus publisher and the usual steps. */
async function setUp(simulator: Parameters<typeof startHarness>[0], env: Record<string, string>) {
  const h = await startHarness(simulator, { PRAXIS_CONTACT_URL: CONTACT, ...env });
  const bus: EventPublisher = await eventPublisher(h.t.amqpUrl);
  const outbox = async (type: string): Promise<Array<Record<string, unknown>>> =>
    (
      await h.pool.query('SELECT data FROM praxis_connector.outbox WHERE type = $1 ORDER BY created_at, id', [type])
    ).rows.map((r) => r.data as Record<string, unknown>);
  const runSync = async (): Promise<Finished> => {
    const jobId = crypto.randomUUID();
    await bus.publishEvent('job.requested.v1', { jobId, kind: 'praxis_sync', asOf: null, actor });
    return eventually(
      async () =>
        (await outbox('job.finished.v1')).find((d) => d.jobId === jobId && d.status !== 'running') as
          Finished | undefined,
      `job ${jobId} finished`,
      80_000,
      100,
    );
  };
  /** A programme of a new funder, with one agreement, whose notes are found in `feeds`. */
  const programme = async (code: string, feeds: string[]) => {
    const funderId = crypto.randomUUID(),
      programmeId = crypto.randomUUID(),
      agreementId = crypto.randomUUID();
    await bus.publishEvent('programme.registered.v1', {
      programmeId,
      funderId,
      code: 'POL',
      name: 'Politesse',
      sector: null,
      reminderStages: [],
      actor,
      praxisFeeds: feeds,
    });
    await bus.publishEvent(
      'agreement.registered.v1',
      agreementData({ id: agreementId, funderId, programmeId, referenceCode: code }),
    );
    await eventually(
      async () =>
        (await h.pool.query('SELECT 1 FROM praxis_connector.agreement WHERE id = $1', [agreementId])).rowCount === 1 &&
        (await h.pool.query('SELECT 1 FROM praxis_connector.programme WHERE id = $1', [programmeId])).rowCount === 1,
      'read model filled',
    );
    return { funderId, programmeId, agreementId };
  };
  const verify = async (svc: RunningConnector, url: string, referenceCode: string) => {
    const res = await fetch(`http://127.0.0.1:${svc.port}${VERIFICATIONS_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...system },
      body: JSON.stringify({
        url,
        agreement: {
          id: crypto.randomUUID(),
          funderId: crypto.randomUUID(),
          referenceCode,
          externalRef: null,
          startDate: '2024-01-01',
          dueDate: '2027-12-31',
        },
      }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as VerificationResponseBody;
    return { body, check: Object.fromEntries(body.checks.map((c) => [c.name, c])) };
  };
  const stop = async () => {
    await bus.close();
    await h.stop();
  };
  return { h, sim: h.sim, svc: h.svc, bus, outbox, runSync, programme, verify, stop };
}

describe('one polite client for the Praxis host', () => {
  let s: Awaited<ReturnType<typeof setUp>>;
  let sim: Simulator;
  beforeAll(async () => {
    s = await setUp({ seed: 11, notes: 100, carnets: 2 }, { PRAXIS_MAX_RPS: '20', PRAXIS_CONCURRENCY: '2' });
    sim = s.sim;
  });
  afterAll(async () => {
    await s?.stop();
  });
  afterEach(() => sim.resetFaults());

  const traffic = async (): Promise<TrafficSummary> =>
    (await (await fetch(`${sim.baseUrl}/_admin/traffic?windowMs=1000`)).json()) as TrafficSummary;

  it('never sends more than PRAXIS_MAX_RPS requests in any second, as the simulator measures it, with its User-Agent', async () => {
    const code = 'PX-RATE-0001';
    await s.programme(code, [`${sim.baseUrl}/carnets/rate/rss.xml`]);
    const notes = Array.from(
      { length: 60 },
      (_, i) =>
        sim.createNote({ body: `Bilan ${i}, code ${code}.`, carnets: ['rate'], publishedAt: '2024-05-01T12:00:00Z' })
          .id,
    );
    await fetch(`${sim.baseUrl}/_admin/traffic`, { method: 'DELETE' });
    const done = await s.runSync();
    expect(done).toMatchObject({ status: 'succeeded' }); // on failure, its error is printed
    expect(done.counts.matchesNew).toBe(notes.length);
    const t = await traffic();
    // every matched page, the feed, robots.txt: enough requests for a rate to mean something (≥ 3 s at 20/s)
    expect(t.requests).toBeGreaterThanOrEqual(notes.length + 1);
    expect(t.maxInWindow).toBeLessThanOrEqual(20);
    expect(t.maxInWindow).toBeGreaterThan(0);
    expect(t.userAgents).toEqual({ [`praxis-compliance/${VERSION} (+${CONTACT})`]: t.requests });
  });

  it('waits out a 429 with Retry-After (seconds): no request before it elapsed, then the same request again', async () => {
    const note = sim.createNote({ body: 'Code PX-WAIT-0001', publishedAt: '2024-05-01T12:00:00Z' });
    sim.traffic.reset();
    sim.faults = { ...sim.faults, scope: 'pages', status: 429, retryAfter: '2', times: 1 };
    const { body } = await s.verify(s.svc, sim.noteUrl(note.id), 'PX-WAIT-0001');
    expect(body.checks.every((c) => c.passed)).toBe(true);
    const i = sim.traffic.log.findIndex((a) => a.status === 429);
    const [first, ...rest] = sim.traffic.log.slice(i);
    expect(first).toMatchObject({ kind: 'pages', status: 429 });
    expect(rest.length).toBeGreaterThan(0);
    for (const a of rest) expect(a.at).toBeGreaterThanOrEqual(first!.answeredAt! + 2000);
    expect(rest[0]).toMatchObject({ path: first!.path, status: 200 });
  });

  it('waits out a 503 with Retry-After as an HTTP date during a sync, and the run succeeds', async () => {
    const code = 'PX-DATE-0001';
    await s.programme(code, [`${sim.baseUrl}/carnets/date/atom.xml`]);
    const note = sim.createNote({ body: `Code ${code}`, carnets: ['date'], publishedAt: '2024-05-01T12:00:00Z' });
    const until = new Date(Date.now() + 2500).toUTCString(); // whole seconds: 1.5 to 2.5 s from now
    sim.traffic.reset();
    sim.faults = { ...sim.faults, scope: 'feeds', status: 503, retryAfter: until, times: 1 };
    const done = await s.runSync();
    expect(done).toMatchObject({ status: 'succeeded' }); // on failure, its error is printed
    expect((await s.outbox('praxis.note.verified.v1')).filter((d) => d.noteId === note.id)).toHaveLength(1);
    const i = sim.traffic.log.findIndex((a) => a.status === 503);
    expect(i).toBeGreaterThanOrEqual(0);
    const after = sim.traffic.log.slice(i + 1);
    expect(after.length).toBeGreaterThan(0);
    for (const a of after) expect(a.at).toBeGreaterThanOrEqual(Date.parse(until));
  });

  it('pauses the whole host: a second replica sends nothing before the Retry-After one replica was given', async () => {
    const b = await startConnector(loadConnectorConfig(s.h.t.env));
    try {
      const n1 = sim.createNote({ body: 'Code PX-HOST-0001', publishedAt: '2024-05-01T12:00:00Z' });
      const n2 = sim.createNote({ body: 'Code PX-HOST-0001', publishedAt: '2024-05-01T12:00:00Z' });
      sim.traffic.reset();
      sim.faults = { ...sim.faults, scope: 'pages', status: 429, retryAfter: '3', times: 1 };
      const first = s.verify(s.svc, sim.noteUrl(n1.id), 'PX-HOST-0001');
      // the pause is recorded where every replica reads it
      const slowDown = await eventually(async () => sim.traffic.log.find((a) => a.status === 429), '429 sent');
      await eventually(
        async () =>
          (await s.h.pool.query('SELECT 1 FROM praxis_connector.host_budget WHERE paused_until > clock_timestamp()'))
            .rowCount === 1,
        'pause recorded',
      );
      const second = await s.verify(b, sim.noteUrl(n2.id), 'PX-HOST-0001');
      expect(second.body.checks.every((c) => c.passed)).toBe(true);
      expect((await first).body.checks.every((c) => c.passed)).toBe(true);
      const later = sim.traffic.log.filter((a: Arrival) => a.at > slowDown.at);
      expect(later.map((a) => a.path)).toEqual(
        expect.arrayContaining([`/n/${n1.id}/`, `/n/${n2.id}/`, '/robots.txt']), // b read robots.txt too
      );
      for (const a of later) expect(a.at).toBeGreaterThanOrEqual(slowDown.answeredAt! + 3000);
    } finally {
      await b.stop();
    }
  });

  it('fetches each matched note at most once per cycle, and not again within it', async () => {
    // A note co-funded by two agreements, listed in two programme feeds: one page request.
    const code1 = 'PX-ONCE-0001',
      code2 = 'PX-ONCE-0002';
    await s.programme(code1, [`${sim.baseUrl}/carnets/once-a/rss.xml`]);
    await s.programme(code2, [`${sim.baseUrl}/carnets/once-b/rss.xml`]);
    const note = sim.createNote({
      body: `Projet commun ${code1} et ${code2}`,
      carnets: ['once-a', 'once-b'],
      publishedAt: '2024-05-01T12:00:00Z',
    });
    sim.traffic.reset();
    const done = await s.runSync();
    expect(done).toMatchObject({ status: 'succeeded' }); // on failure, its error is printed
    const pageRequests = (): string[] => sim.traffic.log.filter((a) => a.kind === 'pages').map((a) => a.path);
    const perPage = new Map<string, number>();
    for (const p of pageRequests()) perPage.set(p, (perPage.get(p) ?? 0) + 1);
    // discovery fetched it, re-verification reused that answer; every other matched note once
    expect(perPage.get(`/n/${note.id}/`)).toBe(1);
    expect(Math.max(...perPage.values())).toBe(1);

    // The cycle, as configured by default (20 h): a second run the same day re-verifies nothing.
    const { PRAXIS_REVERIFY_MIN_AGE_SECONDS: _everyRun, ...defaults } = s.h.t.env;
    const sameDay = await startConnector(loadConnectorConfig(defaults));
    try {
      sim.traffic.reset();
      const again = await sameDay.sync(crypto.randomUUID());
      expect(again.error).toBeNull();
      expect(again.counts.reverified).toBe(0);
      expect(pageRequests()).toEqual([]);
    } finally {
      await sameDay.stop();
    }
  });

  it('sends a GET again on a new connection when the host had closed the kept-alive one', async () => {
    const [n1, n2] = [1, 2].map(() =>
      sim.createNote({ body: 'Code PX-KEEP-0001', publishedAt: '2024-05-01T12:00:00Z' }),
    );
    // a first verification leaves kept-alive sockets in the client's pool
    expect((await s.verify(s.svc, sim.noteUrl(n1!.id), 'PX-KEEP-0001')).body.checks.every((c) => c.passed)).toBe(true);
    sim.traffic.reset();
    // the next page request finds its socket closed by the host, before any answer (as at its idle timeout)
    sim.faults = { ...sim.faults, scope: 'pages', reset: true, times: 1 };
    const again = await s.verify(s.svc, sim.noteUrl(n2!.id), 'PX-KEEP-0001');
    expect(again.body.checks.every((c) => c.passed)).toBe(true);
    const pages = sim.traffic.log.filter((a) => a.path === `/n/${n2!.id}/`);
    expect(pages.map((a) => a.status ?? 'reset')).toEqual(['reset', 200]);
  });

  it('obeys a Retry-After longer than a person can wait: the verdict says so at once, and the host stays paused', async () => {
    const note = sim.createNote({ body: 'Code PX-LONG-0001', publishedAt: '2024-05-01T12:00:00Z' });
    sim.traffic.reset();
    sim.faults = { ...sim.faults, scope: 'pages', status: 429, retryAfter: '120', times: 1 };
    const first = await s.verify(s.svc, sim.noteUrl(note.id), 'PX-LONG-0001');
    expect(first.check.publicly_accessible).toMatchObject({ passed: false });
    expect(first.check.publicly_accessible!.detail).toContain('HTTP 429');
    const second = await s.verify(s.svc, sim.noteUrl(note.id), 'PX-LONG-0001');
    expect(second.check.publicly_accessible!.detail).toContain('Praxis a demandé de ralentir');
    expect(sim.traffic.log.filter((a) => a.kind === 'pages')).toHaveLength(1);
  });
});

describe("Praxis's robots.txt", () => {
  let s: Awaited<ReturnType<typeof setUp>>;
  let sim: Simulator;
  const code = 'PX-ROBO-0001';
  let hidden: string, open: string;
  beforeAll(async () => {
    s = await setUp({ seed: 12, notes: 10, carnets: 1 }, { PRAXIS_ROBOTS_TTL_SECONDS: '2' });
    sim = s.sim;
    hidden = sim.createNote({ body: `Code ${code}`, carnets: ['robots-ok'], publishedAt: '2024-05-01T12:00:00Z' }).id;
    open = sim.createNote({ body: `Code ${code}`, carnets: ['robots-ok'], publishedAt: '2024-05-01T12:00:00Z' }).id;
    // Set before the connector's first request: it reads this one.
    sim.robotsTxt = `User-agent: *\nDisallow: /n/${hidden}/\nDisallow: /carnets/interdit/\n`;
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('does not fetch a page the * group disallows, and says so without blaming the grantee', async () => {
    const { body, check } = await s.verify(s.svc, sim.noteUrl(hidden), code);
    expect(check.host_allowed).toMatchObject({ passed: true });
    expect(check.publicly_accessible).toMatchObject({ passed: false });
    expect(check.publicly_accessible!.detail).toContain('robots.txt');
    expect(check.publicly_accessible!.detail).toContain("Ce n'est pas un défaut de votre note");
    expect(body.note).toBeNull();
    expect(sim.traffic.log.filter((a) => a.path === `/n/${hidden}/`)).toHaveLength(0);
    expect(sim.stats.robots).toBe(1);
  });

  it('skips a disallowed feed and page in a sync without failing it; what is allowed is verified', async () => {
    await s.programme(code, [`${sim.baseUrl}/carnets/interdit/rss.xml`, `${sim.baseUrl}/carnets/robots-ok/rss.xml`]);
    const done = await s.runSync();
    expect(done).toMatchObject({ status: 'succeeded' }); // on failure, its error is printed
    expect(done.counts).toMatchObject({ feedsDisallowed: 1, pagesDisallowed: 1, matchesNew: 1 });
    expect((await s.outbox('praxis.note.verified.v1')).map((d) => d.noteId)).toEqual([open]);
    expect(
      sim.traffic.log.filter((a) => a.path.startsWith('/carnets/interdit/') || a.path === `/n/${hidden}/`),
    ).toEqual([]);
  });

  it('reads robots.txt again after its TTL; a group naming us applies instead of *, and a disallowed note is never withdrawn', async () => {
    sim.robotsTxt = `User-agent: praxis-compliance\nDisallow: /n/${open}/\n\nUser-agent: *\nDisallow: /\n`;
    // The cached copy expires 2 s after it was read (PRAXIS_ROBOTS_TTL_SECONDS): a time, not a race.
    await new Promise((r) => setTimeout(r, 2_500));
    const seen = sim.traffic.log.length;
    const robotsBefore = sim.stats.robots;
    const done = await s.runSync();
    expect(done).toMatchObject({ status: 'succeeded' }); // on failure, its error is printed
    expect(sim.stats.robots).toBeGreaterThan(robotsBefore);
    expect(done.counts.pagesDisallowed).toBeGreaterThanOrEqual(1);
    expect(await s.outbox('praxis.note.withdrawn.v1')).toEqual([]);
    const state = (await s.h.pool.query('SELECT state FROM praxis_connector.note WHERE id = $1', [open])).rows[0];
    expect(state).toEqual({ state: 'public' });
    // the * group's "Disallow: /" is not ours: the feeds were still read, the note page was not
    const since = sim.traffic.log.slice(seen);
    expect(since.some((a) => a.kind === 'feeds')).toBe(true);
    expect(since.filter((a) => a.path === `/n/${open}/`)).toEqual([]);
  });
});
