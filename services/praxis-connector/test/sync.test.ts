import crypto from 'node:crypto';
import os from 'node:os';
import type pg from 'pg';
import { asPrincipal, eventPublisher, eventually, type EventPublisher } from '@pc/testkit';
import type { Simulator } from '@pc/praxis-simulator';
import type { RunningConnector } from '../src/main';
import { actor, agreementData, startHarness, type Harness } from './helpers';

// Discovery and re-verification through real feeds, a real database and a real broker.
jest.setTimeout(60_000);
let h: Harness;
let sim: Simulator;
let svc: RunningConnector;
let pool: pg.Pool;
let bus: EventPublisher;
let foreign: Harness['foreign'];

const funderA = crypto.randomUUID(),
  funderB = crypto.randomUUID();
const progA = crypto.randomUUID(),
  progB = crypto.randomUUID();
const agrA = crypto.randomUUID(),
  agrA2 = crypto.randomUUID(),
  agrB = crypto.randomUUID();

interface Finished {
  jobId: string;
  status: string;
  counts: Record<string, number>;
  error: string | null;
}
async function outbox(type: string): Promise<Array<Record<string, unknown>>> {
  return (
    await pool.query('SELECT data FROM praxis_connector.outbox WHERE type = $1 ORDER BY created_at, id', [type])
  ).rows.map((r) => r.data);
}
async function runSync(): Promise<Finished> {
  const jobId = crypto.randomUUID();
  await bus.publishEvent('job.requested.v1', { jobId, kind: 'praxis_sync', asOf: null, actor });
  return eventually(
    async () =>
      (await outbox('job.finished.v1')).find((d) => d.jobId === jobId && d.status !== 'running') as
        Finished | undefined,
    `job ${jobId} finished`,
    60_000,
    100,
  );
}
/** programme.registered.v1 as agreements publishes it: a programme whose notes are found in `praxisFeeds`. */
const registerProgramme = (programmeId: string, funderId: string, code: string, name: string, praxisFeeds: string[]) =>
  bus.publishEvent('programme.registered.v1', {
    programmeId,
    funderId,
    code,
    name,
    sector: null,
    reminderStages: [],
    actor,
    praxisFeeds,
  });
const verifiedFor = async (noteId: string) =>
  (await outbox('praxis.note.verified.v1')).filter((d) => d.noteId === noteId);
const withdrawnFor = async (noteId: string) =>
  (await outbox('praxis.note.withdrawn.v1')).filter((d) => d.noteId === noteId);

beforeAll(async () => {
  h = await startHarness(
    { seed: 5, notes: 3000, carnets: 3 },
    { PRAXIS_TIMEOUT_MS: '8000', PRAXIS_OUTAGE_THRESHOLD: '5' },
  );
  ({ sim, svc, pool, foreign } = h);
  bus = await eventPublisher(h.t.amqpUrl);
  await registerProgramme(progA, funderA, 'MOB', 'Mobilisation', [
    `${sim.baseUrl}/carnets/grantees-a/rss.xml`,
    `http://${os.hostname()}:${foreign.port}/feed.xml`,
  ]);
  await registerProgramme(progB, funderB, 'CUL', 'Culture', [`${sim.baseUrl}/carnets/grantees-b/atom.xml`]);
  await bus.publishEvent(
    'agreement.registered.v1',
    agreementData({
      id: agrA,
      funderId: funderA,
      programmeId: progA,
      referenceCode: 'PX-AAAA-0001',
      externalRef: 'FA-2024-1',
    }),
  );
  await bus.publishEvent(
    'agreement.registered.v1',
    agreementData({
      id: agrA2,
      funderId: funderA,
      programmeId: progA,
      referenceCode: 'PX-AAAA-0002',
      startDate: '2025-01-01',
    }),
  );
  await bus.publishEvent(
    'agreement.registered.v1',
    agreementData({ id: agrB, funderId: funderB, programmeId: progB, referenceCode: 'PX-BBBB-0001' }),
  );
  await eventually(
    async () =>
      (await pool.query('SELECT count(*)::int n FROM praxis_connector.agreement')).rows[0].n === 3 &&
      (await pool.query('SELECT count(*)::int n FROM praxis_connector.programme')).rows[0].n === 2,
    'read model filled',
  );
});
afterAll(async () => {
  await bus?.close();
  await h?.stop();
});

describe('praxis_sync', () => {
  let noteA: string, noteOtherFunder: string, noteNoDate: string, noteEarly: string;

  it("discovers new notes in programme feeds and matches only the agreements of that programme's funder", async () => {
    noteA = sim.createNote({
      title: 'Apprentissages',
      body: 'Entente px-aaaa 0001, bilan.',
      carnets: ['grantees-a'],
      publishedAt: '2024-05-02T14:00:00.000Z',
    }).id;
    // Mentions funder B's code but is only in funder A's feed: must not match B's agreement.
    noteOtherFunder = sim.createNote({
      body: 'Voir PX-BBBB-0001',
      carnets: ['grantees-a'],
      publishedAt: '2024-05-03T14:00:00.000Z',
    }).id;
    noteNoDate = sim.createNote({ body: 'Référence FA-2024-1', carnets: ['grantees-a'], publishedAt: null }).id;
    // Published before agreement A2 started: not matched to it.
    noteEarly = sim.createNote({
      body: 'Code PX-AAAA-0002',
      carnets: ['grantees-a'],
      publishedAt: '2024-06-01T12:00:00.000Z',
    }).id;
    const done = await runSync();
    expect(done.status).toBe('succeeded');
    expect(done.counts).toMatchObject({ feedsChanged: 2, feedsRefused: 1, notesMatched: 2, outOfWindow: 1 });
    expect(foreign.connections()).toBe(0);
    const [v] = await verifiedFor(noteA);
    expect(v).toMatchObject({
      source: 'feed',
      agreementIds: [agrA],
      publishedOn: '2024-05-02',
      noteUrl: sim.noteUrl(noteA),
      title: 'Apprentissages',
    });
    expect(await verifiedFor(noteOtherFunder)).toEqual([]);
    expect(await verifiedFor(noteEarly)).toEqual([]);
    // An item without a date: the page's date is used, else the first time the connector saw it.
    const [nd] = await verifiedFor(noteNoDate);
    expect(nd).toMatchObject({ agreementIds: [agrA], publishedOn: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
    const stored = (await pool.query('SELECT published_source FROM praxis_connector.note WHERE id = $1', [noteNoDate]))
      .rows[0];
    expect(stored.published_source).toBe('first_seen');
    const running = (await outbox('job.finished.v1')).filter((d) => d.jobId === done.jobId).map((d) => d.status);
    expect(running).toEqual(['running', 'succeeded']);
  });

  it('uses conditional GET: an unchanged feed answers 304 and nothing is fetched or emitted again', async () => {
    const before = (await outbox('praxis.note.verified.v1')).length;
    const notModified = sim.stats.notModified;
    const done = await runSync();
    expect(done.status).toBe('succeeded');
    expect(done.counts).toMatchObject({ feedsNotModified: 2, itemsChanged: 0 });
    expect(sim.stats.notModified).toBe(notModified + 2);
    expect((await outbox('praxis.note.verified.v1')).length).toBe(before);
  });

  it('processes only new or changed items of a changed feed', async () => {
    const other = sim.createNote({ body: 'rien à voir', carnets: ['grantees-a'] });
    const done = await runSync();
    expect(done.counts).toMatchObject({ feedsChanged: 1, itemsChanged: 1 });
    expect(await verifiedFor(other.id)).toEqual([]);
  });

  it('withdraws a note made private, then verifies it again when it is public again', async () => {
    sim.corpus.setVisibility(noteA, 'private');
    let done = await runSync();
    expect(done.status).toBe('succeeded');
    expect(await withdrawnFor(noteA)).toEqual([
      expect.objectContaining({ reason: 'login_required', httpStatus: 302, noteUrl: sim.noteUrl(noteA) }),
    ]);
    done = await runSync(); // still private: no second withdrawal
    expect(await withdrawnFor(noteA)).toHaveLength(1);
    sim.corpus.setVisibility(noteA, 'public');
    done = await runSync();
    expect(done.counts.restored).toBe(1);
    const events = await verifiedFor(noteA);
    expect(events.map((e) => e.source)).toEqual(['feed', 'reverify']);
    expect(events[1]).toMatchObject({ agreementIds: [agrA] });
    // Evidence survives: the stored note keeps title, URL, dates and hash.
    const row = (
      await pool.query('SELECT state, title, url, text_sha256, published_on FROM praxis_connector.note WHERE id = $1', [
        noteA,
      ])
    ).rows[0];
    expect(row).toMatchObject({
      state: 'public',
      title: 'Apprentissages',
      url: sim.noteUrl(noteA),
      published_on: '2024-05-02',
    });
  });

  it('withdraws on 404 and 410 only; an outage fails the run cleanly, withdraws nothing, and the next run catches up', async () => {
    sim.corpus.remove(noteNoDate, 'gone');
    let done = await runSync();
    expect(await withdrawnFor(noteNoDate)).toEqual([expect.objectContaining({ reason: 'gone', httpStatus: 410 })]);
    sim.corpus.restore(noteNoDate);
    await runSync();

    const withdrawnBefore = (await outbox('praxis.note.withdrawn.v1')).length;
    const fresh = sim.createNote({
      body: 'Notre code : PX AAAA 0001',
      carnets: ['grantees-a'],
      publishedAt: '2024-07-01T12:00:00.000Z',
    });
    sim.faults.status = 503;
    done = await runSync();
    expect(done.status).toBe('failed');
    expect(done.error).toContain('unavailable');
    expect((await outbox('praxis.note.withdrawn.v1')).length).toBe(withdrawnBefore);
    expect(await verifiedFor(fresh.id)).toEqual([]);
    const notes = (await pool.query("SELECT count(*)::int n FROM praxis_connector.note WHERE state = 'withdrawn'"))
      .rows[0].n;
    expect(notes).toBe(0);

    sim.resetFaults();
    // slow: timeouts are an outage too. The answer comes long after the timeout, and the timeout is
    // far above a normal answer on a loaded machine, so neither side of the line is a race.
    sim.faults.latencyMs = 30_000;
    done = await runSync();
    expect(done.status).toBe('failed');
    expect((await outbox('praxis.note.withdrawn.v1')).length).toBe(withdrawnBefore);

    sim.resetFaults();
    sim.faults.reset = true; // connection dropped without an answer
    done = await runSync();
    expect(done.status).toBe('failed');
    expect((await outbox('praxis.note.withdrawn.v1')).length).toBe(withdrawnBefore);

    sim.resetFaults();
    done = await runSync();
    expect(done.status).toBe('succeeded');
    expect(await verifiedFor(fresh.id)).toEqual([expect.objectContaining({ source: 'feed', agreementIds: [agrA] })]);
  });

  it('handles an Atom feed, a feed with thousands of items, duplicate GUIDs, items without dates and malformed XML', async () => {
    // Funder B's Atom feed: a note with B's code.
    const nb = sim.createNote({
      body: 'Code PX-BBBB-0001',
      carnets: ['grantees-b'],
      publishedAt: '2024-04-04T12:00:00.000Z',
    });
    // A raw RSS feed of 2,000 items pointing at seeded notes, every 10th repeated (duplicate GUID), no dates at all,
    // one of them mentioning A's code.
    const target = sim.createNote({
      body: 'PX-AAAA-0001 encore',
      carnets: ['autre'],
      publishedAt: '2024-08-08T12:00:00.000Z',
    });
    const items: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const id = i === 0 ? target.id : sim.corpus.idOf(i);
      const item = `<item><title>Note ${i}</title><link>${sim.noteUrl(id)}</link><guid>${sim.noteUrl(id)}</guid></item>`;
      items.push(item);
      if (i % 10 === 0) items.push(item);
    }
    sim.raw.set('/big/rss.xml', {
      status: 200,
      headers: { 'content-type': 'application/rss+xml' },
      body: `<?xml version="1.0"?><rss version="2.0"><channel><title>Gros</title>${items.join('')}</channel></rss>`,
    });
    sim.raw.set('/broken/rss.xml', {
      status: 200,
      headers: { 'content-type': 'application/rss+xml' },
      body: '<?xml version="1.0"?><rss version="2.0"><channel><item><title>cassé</title><link>x</channel>',
    });
    await registerProgramme(progA, funderA, 'MOB', 'Mobilisation', [
      `${sim.baseUrl}/carnets/grantees-a/rss.xml`,
      `${sim.baseUrl}/big/rss.xml`,
      `${sim.baseUrl}/broken/rss.xml`,
    ]);
    await eventually(
      async () =>
        (await pool.query('SELECT feeds FROM praxis_connector.programme WHERE id = $1', [progA])).rows[0].feeds
          .length === 3,
      'feeds updated',
    );
    const done = await runSync();
    expect(done.error).toBeNull();
    expect(done.status).toBe('succeeded');
    expect(done.counts).toMatchObject({ itemsDuplicate: 200, feedsFailed: 1 });
    expect(done.counts.items).toBeGreaterThanOrEqual(2000);
    expect(await verifiedFor(nb.id)).toEqual([
      expect.objectContaining({ agreementIds: [agrB], publishedOn: '2024-04-04' }),
    ]);
    // No date in the item: the page metadata gives it.
    expect(await verifiedFor(target.id)).toEqual([
      expect.objectContaining({ agreementIds: [agrA], publishedOn: '2024-08-08' }),
    ]);
    const broken = (
      await pool.query(
        "SELECT last_outcome, last_error FROM praxis_connector.feed_state WHERE url LIKE '%/broken/rss.xml'",
      )
    ).rows[0];
    expect(broken).toMatchObject({ last_outcome: 'malformed', last_error: expect.stringContaining('malformed XML') });
  });

  it('walks older pages of a paged feed only while items are new: one change costs one page', async () => {
    for (let i = 0; i < 45; i++)
      sim.createNote({ body: `note ${i}`, carnets: ['paged'], publishedAt: '2024-05-01T12:00:00.000Z' });
    await registerProgramme(crypto.randomUUID(), funderA, 'PAG', 'Paginé', [
      `${sim.baseUrl}/carnets/paged/rss.xml?limit=20`,
    ]);
    await eventually(
      async () =>
        (await pool.query("SELECT count(*)::int n FROM praxis_connector.programme WHERE code = 'PAG'")).rows[0].n === 1,
      'paged programme',
    );
    let feeds = sim.stats.feeds;
    let done = await runSync();
    expect(sim.stats.feeds - feeds).toBeGreaterThanOrEqual(3); // 45 items: pages 1, 2, 3
    expect(done.counts.itemsChanged).toBeGreaterThanOrEqual(45);
    const target = sim.corpus.carnetNotes('paged', 100)[30]!; // on page 2
    sim.corpus.update(target.id, { body: 'PX-AAAA-0001 ajouté' });
    feeds = sim.stats.feeds;
    done = await runSync();
    expect(done.counts.itemsChanged).toBe(1);
    // page 1 of "paged" only (the changed note moved to its top), plus the 304s of grantees-a and grantees-b
    expect(sim.stats.feeds - feeds).toBe(1 + 2);
    expect(await verifiedFor(target.id)).toEqual([expect.objectContaining({ agreementIds: [agrA] })]);
  });

  it('withdraws a note whose reference was removed (reference_removed) and restores it when the reference is back', async () => {
    const n = sim.createNote({
      body: 'Projet PX-AAAA-0001',
      carnets: ['grantees-a'],
      publishedAt: '2024-05-09T12:00:00.000Z',
    });
    await runSync();
    expect(await verifiedFor(n.id)).toHaveLength(1);
    sim.corpus.update(n.id, { body: 'Projet sans référence' });
    await runSync();
    expect(await withdrawnFor(n.id)).toEqual([
      expect.objectContaining({ reason: 'reference_removed', httpStatus: 200 }),
    ]);
    sim.corpus.update(n.id, { body: 'Projet PX-AAAA-0001 (référence remise)' });
    await runSync();
    expect((await verifiedFor(n.id)).map((e) => e.source)).toEqual(['feed', 'reverify']);
  });

  it('keeps the agreement read model in revision order; a terminated agreement is no longer matched', async () => {
    const id = crypto.randomUUID();
    await bus.publishEvent(
      'agreement.registered.v1',
      agreementData({ id, funderId: funderA, programmeId: progA, referenceCode: 'PX-CCCC-0001', revision: 1 }),
    );
    await bus.publishEvent('agreement.amended.v1', {
      ...agreementData({ id, funderId: funderA, programmeId: progA, referenceCode: 'PX-CCCC-0002', revision: 3 }),
      changes: ['referenceCode'],
    });
    await eventually(
      async () =>
        (await pool.query('SELECT reference_code FROM praxis_connector.agreement WHERE id = $1', [id])).rows[0]
          ?.reference_code === 'PX-CCCC-0002',
      'amended',
    );
    await bus.publishEvent('agreement.amended.v1', {
      ...agreementData({ id, funderId: funderA, programmeId: progA, referenceCode: 'PX-STALE-0000', revision: 2 }),
      changes: [],
    });
    await bus.publishEvent('agreement.terminated.v1', {
      agreementId: id,
      funderId: funderA,
      reason: 'fin',
      revision: 4,
      actor,
    });
    await eventually(
      async () =>
        (await pool.query('SELECT status FROM praxis_connector.agreement WHERE id = $1', [id])).rows[0]?.status ===
        'terminated',
      'terminated',
    );
    expect(
      (await pool.query('SELECT reference_code, revision FROM praxis_connector.agreement WHERE id = $1', [id])).rows[0],
    ).toEqual({ reference_code: 'PX-CCCC-0002', revision: 4 });
    const n = sim.createNote({
      body: 'PX-CCCC-0002',
      carnets: ['grantees-a'],
      publishedAt: '2024-05-09T12:00:00.000Z',
    });
    await runSync();
    expect(await verifiedFor(n.id)).toEqual([]);
  });

  it('re-verifies declared notes too and skips job kinds it does not own', async () => {
    // Declared through the internal route (as the obligations service does), in no programme feed.
    const declared = sim.createNote({
      body: 'PX-AAAA-0001',
      carnets: ['hors-programme'],
      publishedAt: '2024-05-05T12:00:00.000Z',
    });
    const res = await fetch(`http://127.0.0.1:${svc.port}/internal/v1/verifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...asPrincipal({ role: 'admin', keyId: 'system:obligations' }) },
      body: JSON.stringify({
        url: sim.noteUrl(declared.id),
        agreement: {
          id: agrA,
          funderId: funderA,
          referenceCode: 'PX-AAAA-0001',
          externalRef: 'FA-2024-1',
          startDate: '2024-01-01',
          dueDate: '2024-12-31',
        },
      }),
    });
    expect(((await res.json()) as { note: unknown }).note).not.toBeNull();
    sim.corpus.remove(declared.id, 'not_found');
    await runSync();
    expect(await withdrawnFor(declared.id)).toEqual([
      expect.objectContaining({ reason: 'not_found', httpStatus: 404 }),
    ]);

    const other = crypto.randomUUID();
    await bus.publishEvent('job.requested.v1', { jobId: other, kind: 'evaluate', asOf: null, actor });
    await runSync(); // processed after the evaluate request on the same queue
    expect((await outbox('job.finished.v1')).filter((d) => d.jobId === other)).toEqual([]);
  });
  it("decides from the feed's own text: only items that can match a reference of the funder have their page fetched", async () => {
    const plain = Array.from(
      { length: 20 },
      (_, i) =>
        sim.createNote({
          body: `Atelier ${i}, rien à signaler.`,
          carnets: ['grantees-a'],
          publishedAt: '2024-05-01T12:00:00.000Z',
        }).id,
    );
    // Looks like funder A's FA-2024-1 but is another token: not a match, from the feed alone.
    const near = sim.createNote({
      body: 'Voir FA-2024-12, une autre entente.',
      carnets: ['grantees-a'],
      publishedAt: '2024-05-01T12:00:00.000Z',
    }).id;
    const hit = sim.createNote({
      body: 'Entente PX-AAAA-0001.',
      carnets: ['grantees-a'],
      publishedAt: '2024-05-01T12:00:00.000Z',
    }).id;
    const pagesAsked = (): Set<string> => new Set(sim.traffic.log.filter((a) => a.kind === 'pages').map((a) => a.path));
    sim.traffic.reset();
    let done = await runSync();
    expect(done.status).toBe('succeeded');
    let asked = pagesAsked();
    for (const id of [...plain, near]) expect(asked.has(`/n/${id}/`)).toBe(false);
    expect(asked.has(`/n/${hit}/`)).toBe(true);
    expect(done.counts.itemsDecidedFromFeed).toBeGreaterThanOrEqual(21);
    expect(await verifiedFor(near)).toEqual([]);
    expect(await verifiedFor(hit)).toEqual([expect.objectContaining({ agreementIds: [agrA] })]);

    // A feed with summaries only: a whole short one tells, a cut one ("…") does not, so its page is read.
    sim.feedContent = 'summary';
    const long = sim.createNote({
      body: `${'Récit détaillé de la démarche du quartier. '.repeat(12)}Code PX-AAAA-0001.`,
      carnets: ['grantees-a'],
      publishedAt: '2024-05-01T12:00:00.000Z',
    }).id;
    sim.traffic.reset();
    done = await runSync();
    expect(done.status).toBe('succeeded');
    asked = pagesAsked();
    expect(asked.has(`/n/${long}/`)).toBe(true);
    for (const id of plain) expect(asked.has(`/n/${id}/`)).toBe(false);
    expect(await verifiedFor(long)).toEqual([expect.objectContaining({ agreementIds: [agrA] })]);

    // Items without any text: only the page can tell.
    sim.feedContent = 'none';
    sim.traffic.reset();
    done = await runSync();
    expect(done.status).toBe('succeeded');
    asked = pagesAsked();
    for (const id of plain) expect(asked.has(`/n/${id}/`)).toBe(true);
    sim.feedContent = 'full';
  });

  it('never fetches another host through a feed URL whose path starts with //, nor through a feed redirect', async () => {
    // The host rule used to rebuild the URL from its path: http://<praxis>//127.0.0.1:<port>/x.xml became
    // http://127.0.0.1:<port>/x.xml and was fetched.
    const ssrf = `${sim.baseUrl}//127.0.0.1:${foreign.port}/x.xml`;
    const redirected = `${sim.baseUrl}/carnets/redirige/rss.xml`;
    sim.raw.set('/carnets/redirige/rss.xml', {
      status: 301,
      headers: { location: `//127.0.0.1:${foreign.port}/y.xml` },
      body: '',
    });
    const prog = crypto.randomUUID();
    await registerProgramme(prog, funderA, 'SSR', 'Détour', [ssrf, redirected]);
    await eventually(
      async () => (await pool.query('SELECT 1 FROM praxis_connector.programme WHERE id = $1', [prog])).rowCount === 1,
      'programme',
    );
    const done = await runSync();
    expect(foreign.connections()).toBe(0);
    expect(done.counts.feedsRefused).toBeGreaterThanOrEqual(2);
    const states = (
      await pool.query('SELECT url, last_outcome FROM praxis_connector.feed_state WHERE url = ANY($1)', [
        [ssrf, redirected],
      ])
    ).rows;
    expect(states).toHaveLength(2);
    for (const st of states) expect(st.last_outcome).toBe('refused');
  });
});
