import crypto from 'node:crypto';
import os from 'node:os';
import type pg from 'pg';
import { VERIFICATIONS_PATH, verificationResponse, type VerificationResponseBody } from '@pc/contracts';
import { asPrincipal } from '@pc/testkit';
import type { Simulator } from '@pc/praxis-simulator';
import type { RunningConnector } from '../src/main';
import { startHarness, type Harness } from './helpers';

// The internal verification route against a real simulator: host refusals (SSRF), private and
// deleted notes, outages, malformed pages and bad requests.
jest.setTimeout(60_000);
let h: Harness;
let sim: Simulator;
let svc: RunningConnector;
let foreign: Harness['foreign'];
let pool: pg.Pool;
const system = asPrincipal({ role: 'admin', keyId: 'system:obligations' });
const agreement = {
  id: crypto.randomUUID(),
  funderId: crypto.randomUUID(),
  referenceCode: 'PX-7K3M-9Q2D',
  externalRef: 'FQ-2027-0042',
  startDate: '2024-01-01',
  dueDate: '2024-06-30',
};

beforeAll(async () => {
  h = await startHarness(
    { seed: 3, notes: 50, carnets: 2 },
    { PRAXIS_TIMEOUT_MS: '1500', PRAXIS_MAX_PAGE_BYTES: '200000' },
  );
  ({ sim, svc, foreign, pool } = h);
});
afterAll(async () => {
  await h?.stop();
});
afterEach(() => sim.resetFaults());

type Answer = VerificationResponseBody;
async function verify(
  url: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = system,
): Promise<{ status: number; body: Answer }> {
  const res = await fetch(`http://127.0.0.1:${svc.port}${VERIFICATIONS_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ url, agreement, ...extra }),
  });
  const body: unknown = await res.json();
  // Every answer is one the caller accepts: it parses the answer with the same contract schema.
  if (res.status === 200) expect(verificationResponse.safeParse(body).error).toBeUndefined();
  return { status: res.status, body: body as Answer };
}
const noteCount = async (): Promise<number> =>
  (await pool.query('SELECT count(*)::int AS n FROM praxis_connector.note')).rows[0].n;
const byName = (a: Answer) => Object.fromEntries(a.checks.map((c) => [c.name, c]));

describe('POST /internal/v1/verifications', () => {
  it('verifies a public note that mentions the reference code with other spacing and case, and remembers it', async () => {
    const n = sim.createNote({
      title: 'Bilan de mi-parcours',
      body: 'Projet soutenu, code px 7k3m 9q2d.',
      publishedAt: '2024-02-22T15:00:00.000Z',
    });
    const { status, body } = await verify(sim.noteUrl(n.id));
    expect(status).toBe(200);
    expect(body.checks.map((c) => [c.name, c.passed])).toEqual([
      ['host_allowed', true],
      ['publicly_accessible', true],
      ['mentions_reference', true],
      ['published_in_window', true],
    ]);
    expect(body.checks[0]!.detail).toContain('hôte Praxis'); // French by default
    expect(body.note).toMatchObject({ noteId: n.id, publishedOn: '2024-02-22', late: false, url: sim.noteUrl(n.id) });
    expect(body.note!.textSha256).toMatch(/^[0-9a-f]{64}$/);
    const row = (
      await pool.query(
        'SELECT n.title, m.agreement_id, m.source FROM praxis_connector.note n JOIN praxis_connector.note_match m ON m.note_id = n.id WHERE n.id = $1',
        [n.id],
      )
    ).rows;
    expect(row).toEqual([{ title: 'Bilan de mi-parcours', agreement_id: agreement.id, source: 'declared' }]);
  });

  it('accepts the funder externalRef, answers in English, and marks a note published after the due date as late', async () => {
    const n = sim.createNote({ body: 'Référence du bailleur : FQ 2027 0042', publishedAt: '2024-09-01T12:00:00.000Z' });
    const { body } = await verify(sim.noteUrl(n.id), { locale: 'en' });
    expect(body.checks.every((c) => c.passed)).toBe(true);
    expect(byName(body).mentions_reference!.detail).toContain("funder's reference FQ-2027-0042");
    expect(byName(body).published_in_window!.detail).toContain('late');
    expect(body.note!.late).toBe(true);
  });

  it('reads the French "Publication <date>" line when the page has no date metadata', async () => {
    const n = sim.createNote({ body: 'Code PX-7K3M-9Q2D', publishedAt: '2024-03-01T17:00:00.000Z', metaDates: false });
    const { body } = await verify(sim.noteUrl(n.id));
    expect(body.note!.publishedOn).toBe('2024-03-01');
    expect(byName(body).published_in_window!.detail).toContain('« Publication »');
  });

  it('fails published_in_window for a note published before the agreement started, and stores nothing', async () => {
    const before = await noteCount();
    const n = sim.createNote({ body: 'Code PX-7K3M-9Q2D', publishedAt: '2023-05-01T12:00:00.000Z' });
    const { body } = await verify(sim.noteUrl(n.id));
    expect(byName(body).published_in_window).toMatchObject({ passed: false });
    expect(byName(body).published_in_window!.detail).toContain('avant le début');
    expect(body.note).toBeNull();
    expect(await noteCount()).toBe(before);
  });

  it("fails mentions_reference for a note that mentions another agreement's code", async () => {
    const n = sim.createNote({ body: 'Code PX-AAAA-BBBB', publishedAt: '2024-02-01T12:00:00.000Z' });
    const { body } = await verify(sim.noteUrl(n.id));
    expect(byName(body).mentions_reference).toMatchObject({ passed: false });
    expect(body.note).toBeNull();
  });

  it('refuses a URL on another host without contacting it (SSRF)', async () => {
    const before = await noteCount();
    const { body } = await verify(`http://${os.hostname()}:${foreign.port}/n/6D_9Yu0xJAl4bk-Yg4NZZnawCIg/`);
    expect(byName(body).host_allowed).toMatchObject({ passed: false });
    expect(byName(body).host_allowed!.detail).toContain('sans être consultée');
    expect(body.checks.slice(1).every((c) => !c.passed && c.detail.startsWith('Non vérifié'))).toBe(true);
    expect(foreign.connections()).toBe(0);
    expect(await noteCount()).toBe(before);
  });

  it('refuses an IP-address URL, even one that reaches the simulator itself', async () => {
    const n = sim.createNote({ body: 'Code PX-7K3M-9Q2D' });
    const pagesBefore = sim.stats.pages;
    for (const url of [
      `http://127.0.0.1:${sim.port}/n/${n.id}/`,
      `http://2130706433:${foreign.port}/n/${n.id}/`,
      `http://[::1]:${foreign.port}/n/${n.id}/`,
    ]) {
      const { body } = await verify(url);
      expect(byName(body).host_allowed).toMatchObject({ passed: false });
      expect(byName(body).host_allowed!.detail).toContain('adresse IP');
    }
    expect(sim.stats.pages).toBe(pagesBefore);
    expect(foreign.connections()).toBe(0);
  });

  it('does not accept a short funder reference found by chance in an unrelated note (A-1 in "la 1re année")', async () => {
    const n = sim.createNote({
      body: 'Bilan de la 1re année du jardin collectif.',
      publishedAt: '2024-02-01T12:00:00.000Z',
    });
    const before = await noteCount();
    const { body } = await verify(sim.noteUrl(n.id), { agreement: { ...agreement, externalRef: 'A-1' } });
    expect(byName(body).publicly_accessible).toMatchObject({ passed: true });
    expect(byName(body).mentions_reference).toMatchObject({ passed: false });
    expect(body.note).toBeNull();
    expect(await noteCount()).toBe(before);
  });

  it('refuses a note URL whose path starts with // or holds a backslash, and a redirect to //<ip>, without contacting it', async () => {
    for (const url of [
      `${sim.baseUrl}//127.0.0.1:${foreign.port}/n/6D_9Yu0xJAl4bk-Yg4NZZnawCIg/`,
      `${sim.baseUrl}/\\127.0.0.1:${foreign.port}/n/6D_9Yu0xJAl4bk-Yg4NZZnawCIg/`,
    ]) {
      const { body } = await verify(url);
      expect(byName(body).host_allowed).toMatchObject({ passed: false });
      expect(byName(body).host_allowed!.detail).toContain('ambigu');
    }
    const id = 'RedirectSlash00000000000001';
    sim.raw.set(`/n/${id}/`, { status: 302, headers: { location: `//127.0.0.1:${foreign.port}/n/${id}/` }, body: '' });
    const { body } = await verify(sim.noteUrl(id));
    expect(byName(body).host_allowed).toMatchObject({ passed: false });
    expect(byName(body).host_allowed!.detail).toContain("n'a pas été suivie");
    expect(foreign.connections()).toBe(0);
  });

  it('refuses a URL with credentials in it', async () => {
    const n = sim.createNote({ body: 'Code PX-7K3M-9Q2D' });
    const pagesBefore = sim.stats.pages;
    const { body } = await verify(sim.noteUrl(n.id).replace('http://', 'http://admin:secret@'));
    expect(byName(body).host_allowed).toMatchObject({ passed: false });
    expect(byName(body).host_allowed!.detail).toContain('identifiants');
    expect(sim.stats.pages).toBe(pagesBefore);
  });

  it('refuses a note page that redirects to another host, without following it', async () => {
    const id = 'Redirect0000000000000000001';
    sim.raw.set(`/n/${id}/`, {
      status: 302,
      headers: { location: `http://${os.hostname()}:${foreign.port}/n/${id}/` },
      body: '',
    });
    const { body } = await verify(sim.noteUrl(id));
    expect(byName(body).host_allowed).toMatchObject({ passed: false });
    expect(byName(body).host_allowed!.detail).toContain("n'a pas été suivie");
    expect(foreign.connections()).toBe(0);
  });

  it('reports a private note (login redirect or 403) and a deleted note (404, 410) as not publicly accessible', async () => {
    const n = sim.createNote({ body: 'Code PX-7K3M-9Q2D' });
    sim.corpus.setVisibility(n.id, 'private');
    expect(byName((await verify(sim.noteUrl(n.id))).body).publicly_accessible!.detail).toContain('connexion');
    sim.faults.privateAs = 'forbidden';
    expect(byName((await verify(sim.noteUrl(n.id))).body).publicly_accessible!.detail).toContain('privée (HTTP 403)');
    sim.corpus.remove(n.id, 'gone');
    expect(byName((await verify(sim.noteUrl(n.id))).body).publicly_accessible!.detail).toContain(
      'supprimée (HTTP 410)',
    );
    const gone = sim.createNote({ body: 'x' });
    sim.corpus.remove(gone.id, 'not_found');
    const { body } = await verify(sim.noteUrl(gone.id));
    expect(byName(body).publicly_accessible).toMatchObject({
      passed: false,
      detail: 'La note est introuvable (HTTP 404).',
    });
    expect(body.note).toBeNull();
  });

  it('reports an oversize page, a slow page (timeout) and a 5xx cleanly, storing nothing', async () => {
    const before = await noteCount();
    const n = sim.createNote({ body: 'Code PX-7K3M-9Q2D' });
    sim.faults.oversizeBytes = 300_000;
    expect(byName((await verify(sim.noteUrl(n.id))).body).publicly_accessible!.detail).toContain('taille maximale');
    // The page takes twice the connector's deadline (PRAXIS_TIMEOUT_MS 1500): the deadline, not the
    // slow page, ends the request. One request was sent (no retry), and the answer arrived before
    // the simulator served that page at all (it counts a page when it sends it).
    sim.resetFaults();
    sim.faults.latencyMs = 3000;
    const sentBefore = svc.http.sent,
      pagesBefore = sim.stats.pages;
    expect(byName((await verify(sim.noteUrl(n.id))).body).publicly_accessible!.detail).toContain('délai dépassé');
    expect(svc.http.sent - sentBefore).toBe(1);
    expect(sim.stats.pages).toBe(pagesBefore);
    sim.resetFaults();
    sim.faults.status = 503;
    expect(byName((await verify(sim.noteUrl(n.id))).body).publicly_accessible!.detail).toContain('HTTP 503');
    expect(await noteCount()).toBe(before);
  });

  it('survives malformed HTML (answers with the four checks)', async () => {
    const n = sim.createNote({ body: 'Code PX-7K3M-9Q2D. '.repeat(3) + 'suite '.repeat(300) });
    sim.faults.malformed = true;
    const { status, body } = await verify(sim.noteUrl(n.id));
    expect(status).toBe(200);
    expect(body.checks).toHaveLength(4);
    expect(byName(body).publicly_accessible!.passed).toBe(true);
    expect(byName(body).mentions_reference!.passed).toBe(true);
  });

  it('refuses a URL that is not a note page on the Praxis host', async () => {
    const { body } = await verify(`${sim.baseUrl}/carnets/carnet-0/rss.xml`);
    expect(byName(body).publicly_accessible!.detail).toContain('/n/<identifiant>/');
  });

  it('requires a signed service identity (401), an admin role (403) and a valid body (422, nothing stored)', async () => {
    const before = await noteCount();
    expect((await verify(sim.noteUrl('x'), {}, {})).status).toBe(401);
    expect((await verify(sim.noteUrl('x'), {}, { 'x-pc-principal': 'forged.sig' })).status).toBe(401);
    expect(
      (await verify(sim.noteUrl('x'), {}, asPrincipal({ role: 'funder', funderId: agreement.funderId }))).status,
    ).toBe(403);
    const bad = await verify(sim.noteUrl('x'), { agreement: { ...agreement, startDate: '2024-02-30', id: 'nope' } });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body)).toContain('agreement.startDate');
    expect(await noteCount()).toBe(before);
  });
});
