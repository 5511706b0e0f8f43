import http from 'node:http';
import { Corpus, type CorpusOptions, type Deletion, type Note, type NoteInput } from './corpus';
import { carnetAtom, carnetRss, loginPage, notePage, type FeedContent } from './render';
import { nowMs, Traffic, type RequestKind } from './traffic';

/**
 * Faults a test switches on to see how the connector behaves when Praxis misbehaves. `scope` limits
 * them to note pages, feeds or both ('all'), or robots.txt; the admin API (/_admin) is never affected.
 */
export interface Faults {
  scope: 'all' | 'pages' | 'feeds' | 'robots';
  /** delay before answering, in ms */
  latencyMs: number;
  /** answer every request with this status (e.g. 503, or 429 to ask the client to slow down) */
  status: number | null;
  /** the Retry-After sent with `status` (seconds, or an HTTP date) */
  retryAfter: string | null;
  /** how many requests get the fault before it clears itself (null: until reset) */
  times: number | null;
  /** pad note pages / feeds with this many bytes */
  oversizeBytes: number;
  /** serve truncated, broken markup */
  malformed: boolean;
  /** destroy the socket without answering */
  reset: boolean;
  /** how a private note answers: a redirect to the login page, or 403 */
  privateAs: 'redirect' | 'forbidden';
}

const noFaults = (): Faults => ({
  scope: 'all',
  latencyMs: 0,
  status: null,
  retryAfter: null,
  times: null,
  oversizeBytes: 0,
  malformed: false,
  reset: false,
  privateAs: 'redirect',
});

export interface SimulatorOptions extends CorpusOptions {
  port?: number;
  host?: string;
  /** items per feed page (newest first); older items are on ?page=2… linked with rel="next" */
  feedLimit?: number;
  /** the base URL pages and feeds print (default http://localhost:<port>) */
  publicBaseUrl?: string;
  /** what feed items carry of their note (default 'full': content:encoded / Atom content and a summary) */
  feedContent?: FeedContent;
  /** the robots.txt served (null: 404); the default disallows only the admin API and sign-in page */
  robotsTxt?: string | null;
}

export const DEFAULT_ROBOTS = 'User-agent: *\nDisallow: /_admin/\nDisallow: /connexion/\n';

export interface Simulator {
  port: number;
  baseUrl: string;
  corpus: Corpus;
  faults: Faults;
  /** requests served, by kind (pages, feeds, robots, other) */
  stats: { pages: number; feeds: number; notModified: number; robots: number; other: number };
  /** every request received (admin API and health aside): arrival times, User-Agents, the busiest window */
  traffic: Traffic;
  feedContent: FeedContent;
  robotsTxt: string | null;
  /** raw responses a test installs at a path (malformed feeds, duplicate GUIDs, redirects to other hosts…) */
  raw: Map<string, { status: number; headers: Record<string, string>; body: string }>;
  createNote(input: NoteInput): Note;
  noteUrl(id: string): string;
  resetFaults(): void;
  stop(): Promise<void>;
}

function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 5_000_000) {
        reject(new Error('too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      if (chunks.length === 0) {
        resolve({});
        return;
      }
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      } catch (e) {
        reject(e as Error);
      }
    });
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}
const json = (res: http.ServerResponse, status: number, body: unknown): void =>
  send(res, status, JSON.stringify(body), { 'content-type': 'application/json' });

const noteJson = (base: string, n: Note): Record<string, unknown> => ({
  id: n.id,
  url: `${base}/n/${n.id}/`,
  title: n.title,
  visibility: n.visibility,
  deleted: n.deleted,
  publishedAt: n.publishedAt,
  modifiedAt: new Date(n.modifiedAt).toISOString(),
  carnets: n.carnets,
});

/**
 * Starts the Praxis simulator on node:http (no framework: it must serve a benchmark's million notes
 * at close to the raw HTTP rate of the box). Dev/test/bench tool only.
 */
export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const corpus = new Corpus(opts);
  const feedLimit = opts.feedLimit ?? 100;
  const sim = {
    corpus,
    faults: noFaults(),
    raw: new Map(),
    stats: { pages: 0, feeds: 0, notModified: 0, robots: 0, other: 0 },
    traffic: new Traffic(),
    feedContent: opts.feedContent ?? 'full',
    robotsTxt: opts.robotsTxt === undefined ? DEFAULT_ROBOTS : opts.robotsTxt,
  } as Omit<Simulator, 'port' | 'baseUrl' | 'stop' | 'createNote' | 'noteUrl' | 'resetFaults'> & Partial<Simulator>;
  let base = '';

  const admin = async (req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void> => {
    const method = req.method ?? 'GET';
    const body = method === 'GET' || method === 'DELETE' ? {} : await readJson(req);
    let m: RegExpExecArray | null;
    if (path === '/_admin/notes' && method === 'POST') {
      const n = corpus.create(body as NoteInput);
      json(res, 201, noteJson(base, n));
      return;
    }
    if ((m = /^\/_admin\/notes\/([\w-]+)$/.exec(path))) {
      const id = m[1]!;
      if (method === 'GET') {
        const n = corpus.byId(id);
        if (n) json(res, 200, noteJson(base, n));
        else json(res, 404, { error: 'no such note' });
        return;
      }
      if (method === 'PATCH') {
        const n = corpus.update(id, body as NoteInput);
        if (n) json(res, 200, noteJson(base, n));
        else json(res, 404, { error: 'no such note' });
        return;
      }
      if (method === 'DELETE') {
        const mode: Deletion =
          new URL(req.url ?? '/', 'http://x').searchParams.get('mode') === 'gone' ? 'gone' : 'not_found';
        const n = corpus.remove(id, mode);
        if (n) json(res, 200, noteJson(base, n));
        else json(res, 404, { error: 'no such note' });
        return;
      }
    }
    if ((m = /^\/_admin\/notes\/([\w-]+)\/(hide|show|restore)$/.exec(path)) && method === 'POST') {
      const id = m[1]!;
      const n =
        m[2] === 'hide'
          ? corpus.setVisibility(id, 'private')
          : m[2] === 'show'
            ? corpus.setVisibility(id, 'public')
            : corpus.restore(id);
      if (n) json(res, 200, noteJson(base, n));
      else json(res, 404, { error: 'no such note' });
      return;
    }
    if ((m = /^\/_admin\/carnets\/([\w-]+)\/notes\/([\w-]+)$/.exec(path)) && method === 'PUT') {
      const n = corpus.addToCarnet(m[2]!, m[1]!);
      if (n) json(res, 200, noteJson(base, n));
      else json(res, 404, { error: 'no such note' });
      return;
    }
    if (path === '/_admin/touch' && method === 'POST') {
      json(res, 200, { ids: corpus.touchSeeded(Number(body.count ?? 1), Number(body.round ?? 1)) });
      return;
    }
    if (path === '/_admin/faults') {
      if (method === 'DELETE') sim.faults = noFaults();
      else if (method === 'PUT' || method === 'POST') sim.faults = { ...noFaults(), ...(body as Partial<Faults>) };
      json(res, 200, sim.faults);
      return;
    }
    if (path === '/_admin/raw' && method === 'PUT') {
      sim.raw.set(String(body.path), {
        status: Number(body.status ?? 200),
        headers: (body.headers ?? {}) as Record<string, string>,
        body: String(body.body ?? ''),
      });
      json(res, 200, { ok: true });
      return;
    }
    if (path === '/_admin/stats' && method === 'GET') {
      json(res, 200, sim.stats);
      return;
    }
    if (path === '/_admin/traffic') {
      if (method === 'DELETE') sim.traffic.reset();
      const windowMs = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('windowMs') ?? 1000) || 1000;
      json(res, 200, sim.traffic.summary(windowMs));
      return;
    }
    if (path === '/_admin/robots' && method === 'PUT') {
      sim.robotsTxt = body.body === null || body.body === undefined ? null : String(body.body);
      json(res, 200, { robotsTxt: sim.robotsTxt });
      return;
    }
    if (path === '/_admin/feed-content' && method === 'PUT') {
      const c = String(body.content);
      if (c !== 'full' && c !== 'summary' && c !== 'none') {
        json(res, 422, { error: 'content must be full, summary or none' });
        return;
      }
      sim.feedContent = c;
      json(res, 200, { feedContent: c });
      return;
    }
    json(res, 404, { error: `no admin route ${method} ${path}` });
  };

  const serve = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://sim');
    const path = url.pathname;
    if (path === '/healthz' || path === '/readyz') {
      json(res, 200, { status: 'ok' });
      return;
    }
    if (path.startsWith('/_admin/')) {
      await admin(req, res, path);
      return;
    }

    const noteMatch = /^\/n\/([A-Za-z0-9_-]+)\/?$/.exec(path);
    const feedMatch = /^\/carnets\/([\w-]+)\/(rss|atom)\.xml$/.exec(path);
    const kind: RequestKind = noteMatch ? 'pages' : feedMatch ? 'feeds' : path === '/robots.txt' ? 'robots' : 'other';
    const arrival = sim.traffic.record(path, kind, req.headers['user-agent'] ?? null);
    res.once('finish', () => {
      arrival.status = res.statusCode;
      arrival.answeredAt = nowMs();
    });
    const f = sim.faults;
    // robots.txt is faulted only when asked for by name: a fault on "all" is about pages and feeds
    const faulted = f.scope === kind || (f.scope === 'all' && kind !== 'robots');
    if (faulted && f.latencyMs > 0) {
      // a client that gives up (its timeout) ends the wait: no timer outlives the request
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, f.latencyMs);
        res.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    if (res.destroyed) return;
    if (faulted && f.reset && kind !== 'other') {
      if (f.times !== null && --f.times <= 0) sim.faults = noFaults();
      req.socket.destroy();
      return;
    }
    if (faulted && f.status && kind !== 'other') {
      if (f.times !== null && --f.times <= 0) sim.faults = noFaults();
      send(res, f.status, 'Erreur du serveur', {
        'content-type': 'text/plain',
        ...(f.retryAfter !== null ? { 'retry-after': f.retryAfter } : {}),
      });
      return;
    }
    if (kind === 'robots') {
      sim.stats.robots++;
      if (sim.robotsTxt === null) send(res, 404, 'Not found', { 'content-type': 'text/plain' });
      else send(res, 200, sim.robotsTxt, { 'content-type': 'text/plain; charset=utf-8' });
      return;
    }

    const raw = sim.raw.get(path);
    if (raw) {
      sim.stats.other++;
      send(res, raw.status, raw.body, raw.headers);
      return;
    }

    if (noteMatch) {
      sim.stats.pages++;
      const n = corpus.byId(noteMatch[1]!);
      if (!n || n.deleted === 'not_found') {
        send(res, 404, '<!DOCTYPE html><title>Page introuvable</title><h1>Page introuvable</h1>', {
          'content-type': 'text/html; charset=utf-8',
        });
        return;
      }
      if (n.deleted === 'gone') {
        send(res, 410, '<!DOCTYPE html><title>Note supprimée</title><h1>Cette note a été supprimée</h1>', {
          'content-type': 'text/html; charset=utf-8',
        });
        return;
      }
      if (n.visibility === 'private') {
        if (f.privateAs === 'forbidden') {
          send(res, 403, '<!DOCTYPE html><title>Accès refusé</title><h1>Note privée</h1>', {
            'content-type': 'text/html; charset=utf-8',
          });
          return;
        }
        send(res, 302, '', { location: `${base}/connexion/?next=${encodeURIComponent(path)}` });
        return;
      }
      let html = notePage(base, n, faulted ? f.oversizeBytes : 0);
      if (faulted && f.malformed) html = html.slice(0, Math.floor(html.length / 2)) + '<div <<p></art';
      send(res, 200, html, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' });
      return;
    }
    if (feedMatch) {
      sim.stats.feeds++;
      const carnet = feedMatch[1]!;
      // Any carnet name answers (an empty carnet has an empty feed), so programmes can register a feed before its first note.
      const st = corpus.carnetState(carnet);
      const pageNo = Math.max(1, Math.floor(Number(url.searchParams.get('page') ?? 1)) || 1);
      const etag = `"${carnet}-v${st.version}-${feedMatch[2]}-p${pageNo}-${sim.feedContent}"`;
      const lastModified = new Date(Math.floor(st.modifiedAt / 1000) * 1000).toUTCString();
      const inm = req.headers['if-none-match'];
      const ims = req.headers['if-modified-since'];
      if ((inm && inm === etag) || (!inm && ims && Date.parse(ims) >= Math.floor(st.modifiedAt / 1000) * 1000)) {
        sim.stats.notModified++;
        res.writeHead(304, { etag, 'last-modified': lastModified });
        res.end();
        return;
      }
      const limit = Math.min(Number(url.searchParams.get('limit') ?? feedLimit) || feedLimit, 100_000);
      const all = corpus.carnetNotes(carnet, Number.MAX_SAFE_INTEGER);
      const notes = all.slice((pageNo - 1) * limit, pageNo * limit);
      const next =
        all.length > pageNo * limit
          ? `${base}${path}?page=${pageNo + 1}${url.searchParams.has('limit') ? `&limit=${limit}` : ''}`
          : null;
      const page = { base, carnet, notes, lastModified: st.modifiedAt, next, content: sim.feedContent };
      let xml = feedMatch[2] === 'rss' ? carnetRss(page) : carnetAtom(page);
      if (faulted && f.oversizeBytes > 0)
        xml = xml.replace('</channel>', `<!-- ${'x'.repeat(f.oversizeBytes)} --></channel>`);
      if (faulted && f.malformed) xml = xml.slice(0, Math.floor(xml.length / 2)) + '<item><title>cassé</tit';
      send(res, 200, xml, {
        'content-type':
          feedMatch[2] === 'rss' ? 'application/rss+xml; charset=utf-8' : 'application/atom+xml; charset=utf-8',
        etag,
        'last-modified': lastModified,
      });
      return;
    }
    sim.stats.other++;
    if (path === '/connexion/' || path === '/connexion') {
      send(res, 200, loginPage(base), { 'content-type': 'text/html; charset=utf-8' });
      return;
    }
    if (path === '/') {
      send(res, 200, '<!DOCTYPE html><title>Praxis</title><h1>Praxis (simulateur)</h1>', {
        'content-type': 'text/html; charset=utf-8',
      });
      return;
    }
    send(res, 404, '<!DOCTYPE html><title>Page introuvable</title>', { 'content-type': 'text/html; charset=utf-8' });
  };

  const server = http.createServer((req, res) => {
    serve(req, res).catch((err: unknown) => {
      if (!res.headersSent) json(res, 500, { error: (err as Error).message });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve);
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  // Pages name the host as a client would reach it (localhost), so a connector configured with
  // PRAXIS_BASE_URL=http://localhost:<port> sees same-host links.
  base = (opts.publicBaseUrl ?? `http://localhost:${port}`).replace(/\/+$/, '');
  return Object.assign(sim, {
    port,
    baseUrl: base,
    createNote: (input: NoteInput) => corpus.create(input),
    noteUrl: (id: string) => `${base}/n/${id}/`,
    resetFaults: () => {
      sim.faults = noFaults();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  }) as Simulator;
}
