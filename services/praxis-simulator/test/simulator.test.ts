import path from 'node:path';
import { killHard, spawnTs } from '@pc/testkit';
import { startSimulator, type Simulator } from '../src/server';

jest.setTimeout(30_000);

/** Runs the heap fixture in its own node process (killed if it has not answered within 20 s). */
async function corpusHeap(): Promise<{ added: number; id: string }> {
  const child = spawnTs(path.join(__dirname, 'fixtures', 'corpus-heap.ts'), {
    env: { NODE_OPTIONS: [process.env.NODE_OPTIONS, '--expose-gc'].filter(Boolean).join(' ') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), 20_000);
  });
  const code = await Promise.race([exited, timedOut]);
  clearTimeout(timer);
  if (code === 'timeout') {
    await killHard(child);
    throw new Error(`the heap fixture did not finish within 20 s: ${err}`);
  }
  if (code !== 0) throw new Error(`the heap fixture exited with ${code}: ${err}`);
  return JSON.parse(out) as { added: number; id: string };
}

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: 9, notes: 1_000_000, carnets: 2_000 });
});
afterAll(async () => {
  await sim?.stop();
});

describe('praxis simulator', () => {
  it('seeds deterministically and lazily: a million notes, opaque ids that decode without a table', async () => {
    // Measured in a process of its own (test/fixtures/corpus-heap.ts): a shared Jest worker's heap
    // holds other files' objects too, so only a fresh one shows what the corpus adds.
    const again = await corpusHeap(); // the same seed in another process gives the same ids
    expect(again.id).toBe(sim.corpus.idOf(123_456));
    expect(sim.corpus.idOf(5)).toMatch(/^[A-Za-z0-9_-]{27}$/);
    expect(sim.corpus.indexOf(sim.corpus.idOf(999_999))).toBe(999_999);
    expect(sim.corpus.indexOf('6D_9Yu0xJAl4bk-Yg4NZZnawCIg')).toBeNull();
    expect(again.added).toBeLessThan(50 * 1024 * 1024); // a stored million notes would take gigabytes
  });

  it('serves note pages shaped as Praxis prints them (French labels, metadata)', async () => {
    const res = await fetch(sim.noteUrl(sim.corpus.idOf(42)));
    expect(res.status).toBe(200);
    const html = await res.text();
    for (const s of ['Intégré par', 'Publication ', 'Modification ', 'Visibilité public', 'article:published_time'])
      expect(html).toContain(s);
    expect(html).toMatch(/Publication \d{1,2}(er)? [a-zéû]+ \d{4}/);
  });

  it('serves paged RSS per carnet with ETag / Last-Modified and 304', async () => {
    const url = `${sim.baseUrl}/carnets/carnet-7/rss.xml`;
    const first = await fetch(url);
    const xml = await first.text();
    expect(xml).toContain('<rss version="2.0"');
    expect(xml).toContain('rel="next"');
    expect((xml.match(/<item>/g) ?? []).length).toBe(100);
    const etag = first.headers.get('etag')!;
    expect((await fetch(url, { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await fetch(url, { headers: { 'if-modified-since': first.headers.get('last-modified')! } })).status).toBe(
      304,
    );
    sim.corpus.touchSeeded(1, 7); // may land elsewhere: touch a note of carnet-7 explicitly
    sim.corpus.update(sim.corpus.idOf(7), { title: 'Changée' });
    expect((await fetch(url, { headers: { 'if-none-match': etag } })).status).toBe(200);
    expect(await (await fetch(`${sim.baseUrl}/carnets/carnet-7/atom.xml`)).text()).toContain(
      '<feed xmlns="http://www.w3.org/2005/Atom"',
    );
  });

  it('admin API: create, update, hide (login redirect or 403), delete (404 / 410), put in a carnet, faults', async () => {
    const admin = (path: string, method: string, body?: unknown) =>
      fetch(`${sim.baseUrl}/_admin${path}`, { method, body: body ? JSON.stringify(body) : undefined });
    const created = (await (
      await admin('/notes', 'POST', { title: 'Nouvelle', body: 'PX-1', carnets: ['c-test'] })
    ).json()) as { id: string; url: string };
    expect((await fetch(created.url)).status).toBe(200);
    await admin(`/notes/${created.id}`, 'PATCH', { title: 'Renommée' });
    expect(await (await fetch(created.url)).text()).toContain('Renommée');
    await admin(`/notes/${created.id}/hide`, 'POST');
    const hidden = await fetch(created.url, { redirect: 'manual' });
    expect(hidden.status).toBe(302);
    expect(hidden.headers.get('location')).toContain('/connexion/');
    expect(await (await fetch(`${sim.baseUrl}/carnets/c-test/rss.xml`)).text()).not.toContain(created.id);
    await admin('/faults', 'PUT', { privateAs: 'forbidden' });
    expect((await fetch(created.url)).status).toBe(403);
    await admin('/faults', 'DELETE');
    await admin(`/notes/${created.id}/show`, 'POST');
    await admin(`/carnets/autre/notes/${created.id}`, 'PUT');
    expect(await (await fetch(`${sim.baseUrl}/carnets/autre/rss.xml`)).text()).toContain(created.id);
    await admin(`/notes/${created.id}`, 'DELETE');
    expect((await fetch(created.url)).status).toBe(404);
    await admin(`/notes/${created.id}?mode=gone`, 'DELETE');
    expect((await fetch(created.url)).status).toBe(410);
    await admin('/faults', 'PUT', { status: 503, scope: 'pages' });
    expect((await fetch(sim.noteUrl(sim.corpus.idOf(1)))).status).toBe(503);
    expect((await fetch(`${sim.baseUrl}/carnets/carnet-1/rss.xml`)).status).toBe(200);
    await admin('/faults', 'DELETE');
  });
  it('feeds carry the note: content:encoded / Atom content and a summary cut with "…", or less on demand', async () => {
    const long = sim.createNote({
      body: `${'Un long récit de la démarche. '.repeat(20)}Code PX-7K3M-9Q2D.`,
      carnets: ['contenu'],
    });
    const rss = await (await fetch(`${sim.baseUrl}/carnets/contenu/rss.xml`)).text();
    expect(rss).toContain('<content:encoded><![CDATA[<p>Un long récit');
    expect(rss).toMatch(/<description>Un long récit[^<]* …<\/description>/);
    const atom = await (await fetch(`${sim.baseUrl}/carnets/contenu/atom.xml`)).text();
    expect(atom).toContain('<content type="html">&lt;p&gt;Un long récit');
    await fetch(`${sim.baseUrl}/_admin/feed-content`, { method: 'PUT', body: JSON.stringify({ content: 'summary' }) });
    expect(await (await fetch(`${sim.baseUrl}/carnets/contenu/rss.xml`)).text()).not.toContain('content:encoded>');
    await fetch(`${sim.baseUrl}/_admin/feed-content`, { method: 'PUT', body: JSON.stringify({ content: 'none' }) });
    const bare = await (await fetch(`${sim.baseUrl}/carnets/contenu/rss.xml`)).text();
    expect(bare).toContain(long.id);
    expect(bare).not.toContain('<description>Un long');
    sim.feedContent = 'full';
  });

  it('serves robots.txt, answers a chosen status (429) with Retry-After a given number of times, and measures what it receives', async () => {
    const admin = (path: string, method: string, body?: unknown) =>
      fetch(`${sim.baseUrl}/_admin${path}`, { method, body: body ? JSON.stringify(body) : undefined });
    expect(await (await fetch(`${sim.baseUrl}/robots.txt`)).text()).toContain('Disallow: /_admin/');
    await admin('/robots', 'PUT', { body: 'User-agent: *\nDisallow: /\n' });
    expect(await (await fetch(`${sim.baseUrl}/robots.txt`)).text()).toBe('User-agent: *\nDisallow: /\n');
    await admin('/robots', 'PUT', { body: null });
    expect((await fetch(`${sim.baseUrl}/robots.txt`)).status).toBe(404);

    await admin('/faults', 'PUT', { status: 429, retryAfter: '7', times: 2, scope: 'pages' });
    const page = sim.noteUrl(sim.corpus.idOf(3));
    for (let i = 0; i < 2; i++) {
      const r = await fetch(page);
      expect(r.status).toBe(429);
      expect(r.headers.get('retry-after')).toBe('7');
    }
    expect((await fetch(page)).status).toBe(200); // the fault cleared itself

    await admin('/traffic', 'DELETE');
    // 12 requests at once, then 3 more 1.2 s later: the busiest second holds 12
    await Promise.all(Array.from({ length: 12 }, () => fetch(page, { headers: { 'user-agent': 'essai/1' } })));
    await new Promise((r) => setTimeout(r, 1200));
    for (let i = 0; i < 3; i++) await fetch(`${sim.baseUrl}/carnets/carnet-1/rss.xml`);
    const t = (await (await admin('/traffic?windowMs=1000', 'GET')).json()) as Record<string, unknown>;
    expect(t).toMatchObject({ requests: 15, maxInWindow: 12, byKind: { pages: 12, feeds: 3, robots: 0, other: 0 } });
    expect((t.userAgents as Record<string, number>)['essai/1']).toBe(12);
    expect(sim.traffic.maxInWindow(5000)).toBe(15);
    expect(sim.traffic.log.every((a) => a.status === 200 && a.answeredAt! >= a.at)).toBe(true);
  });
});
