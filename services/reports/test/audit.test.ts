import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { keyedPseudonym, personPseudonymKey, pseudonymize } from '@pc/service-kit';
import { asPrincipal, eventually, type TestEnv } from '@pc/testkit';
import { auditedTransact } from '../src/adapters/audit-store';
import { agreementSnapshot, funderRegistered } from '../src/domain/audit-entries';
import { startReports, type RunningService } from '../src/main';
import { loadReportsConfig } from '../src/config';
import {
  canonicalJson,
  entryHash,
  GENESIS_HASH,
  isTrailer,
  link,
  type AuditEntry,
  type ExportTrailer,
} from '../src/domain/audit-chain';
import type { ComplianceReport } from '../src/domain/compliance';
import type { Envelope } from '@pc/contracts';
import { envelope, insertAuditRow, publish, startService, stopService, World, actor, uuid } from './helpers';

// jest.config.js sets testTimeout inside `projects`, where Jest 30 ignores it (global option)
jest.setTimeout(60_000);

let t: TestEnv;
let svc: RunningService;
let second: RunningService;
let db: pg.Client;
let base: string;
const A = new World();
const auditor = asPrincipal({ role: 'auditor', funderIds: [A.funderId] });

async function auditCount(funderId: string): Promise<number> {
  return (await db.query('SELECT count(*)::int AS n FROM reports.audit_event WHERE funder_id = $1', [funderId])).rows[0]
    .n;
}
type Line = AuditEntry & { recordedAt: string };
/** An export as its reader gets it: the entry lines, then the trailer (the head read with them). */
async function exportAll(
  funderId: string,
  headers = auditor,
  query = '',
): Promise<{ lines: Line[]; trailer: ExportTrailer }> {
  const res = await fetch(`${base}/v1/audit/events?funderId=${funderId}${query}`, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('application/x-ndjson');
  const all = (await res.text())
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as unknown);
  const trailer = all.pop();
  if (!isTrailer(trailer)) throw new Error('the export does not end with its trailer');
  expect(all.some(isTrailer)).toBe(false);
  return { lines: all as Line[], trailer };
}
async function exportLines(funderId: string, headers = auditor, query = ''): Promise<Line[]> {
  return (await exportAll(funderId, headers, query)).lines;
}
type Verdict = {
  intact: boolean;
  events: number;
  firstBrokenAt?: { seq: number; problem: string };
  heads?: { seq: number; hash: string; holds: boolean; found?: string }[];
};
async function verify(funderId: string, headers = auditor): Promise<Verdict> {
  const res = await fetch(`${base}/v1/audit/verify?funderId=${funderId}`, { headers });
  expect(res.status).toBe(200);
  return (await res.json()) as never;
}
async function verifyHeads(body: unknown, headers: Record<string, string> = auditor, lang = 'fr'): Promise<Response> {
  return fetch(`${base}/v1/audit/verify`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json', 'accept-language': lang },
    body: JSON.stringify(body),
  });
}

beforeAll(async () => {
  ({ t, svc, base, db } = await startService());
});
afterAll(async () => {
  await stopService({ t, svc, db }, second);
});

describe('audit trail', () => {
  const keyId = uuid();
  let obligationId = '';

  it('records who, when, what, why and before/after for every recorded change', async () => {
    A.funder('Ministère de la Culture', 'fr', ['rapports@exemple.org']);
    const p = A.programme('CULT');
    const a = A.agreement(p, 'M-1', {
      title: 'Théâtre',
      grantee: { name: 'Troupe' },
      dues: ['2026-05-01'],
      contacts: [{ name: 'Alex', email: 'alex@exemple.org', locale: 'fr' }],
    });
    obligationId = a.obligationIds[0]!;
    A.transition(a, obligationId, '2026-05-01', null, 'upcoming', { actor: { kind: 'system', id: 'obligations' } });
    A.transition(a, obligationId, '2026-06-01', 'upcoming', 'extended', {
      previousDueDate: '2026-05-01',
      reason: 'inondation',
    });
    A.events.push(
      envelope('agreement.amended.v1', { ...a.snapshot, title: 'Théâtre jeunesse', revision: 2, changes: ['title'] }),
    );
    const noteUrl = 'https://praxis.example/notes/42';
    A.events.push(
      envelope(
        'praxis.note.verified.v1',
        {
          noteUrl,
          noteId: '42',
          title: 'Bilan',
          textSha256: 'ab'.repeat(32),
          publishedOn: '2026-05-20',
          firstSeenAt: new Date().toISOString(),
          verifiedAt: new Date().toISOString(),
          source: 'declared',
          agreementIds: [a.agreementId],
        },
        { source: 'praxis-connector' },
      ),
    );
    A.transition(a, obligationId, '2026-06-01', 'extended', 'fulfilled', {
      evidence: { noteUrl, title: 'Bilan', publishedOn: '2026-05-20', late: false },
      actor: { kind: 'system', id: 'obligations' },
    });
    A.events.push(
      envelope(
        'praxis.note.withdrawn.v1',
        { noteUrl, noteId: '42', reason: 'gone', httpStatus: 410, at: new Date().toISOString() },
        { source: 'praxis-connector' },
      ),
    );
    A.transition(a, obligationId, '2026-06-01', 'fulfilled', 'evidence_withdrawn', {
      reason: 'gone',
      actor: { kind: 'system', id: 'obligations' },
    });
    A.transition(a, obligationId, '2026-06-01', 'evidence_withdrawn', 'waived', {
      reason: 'projet annulé par le bailleur',
    });
    // two reminders of the obligation to Alex: one sent, one refused by the server
    const toAlex = () => ({
      reminderId: uuid(),
      runId: uuid(),
      obligationId,
      funderId: A.funderId,
      stageKey: 'D-7',
      contactRef: 'p_1',
    });
    A.events.push(
      envelope(
        'reminder.sent.v1',
        {
          ...toAlex(),
          messageId: '<m1@x>',
          sentAt: new Date().toISOString(),
        },
        { source: 'notifier' },
      ),
    );
    A.events.push(
      envelope('reminder.failed.v1', {
        ...toAlex(),
        email: 'alex@exemple.org',
        permanent: true,
        reason: '550 <alex@exemple.org> unknown',
        at: new Date().toISOString(),
      }),
    );
    A.events.push(
      envelope('api_key.created.v1', {
        keyId,
        role: 'auditor',
        funderId: null,
        funderIds: [A.funderId],
        granteeId: null,
        label: 'vérificateur',
        actor: { kind: 'api_key', id: 'bootstrap' },
      }),
    );
    A.events.push(
      envelope('api_key.revoked.v1', {
        keyId,
        funderId: null,
        funderIds: [A.funderId],
        actor: { kind: 'api_key', id: 'bootstrap' },
      }),
    );
    await publish(t.amqpUrl, A.events);
    await eventually(async () => (await auditCount(A.funderId)) === A.events.length, 'audit entries');

    const lines = await exportLines(A.funderId);
    expect(lines.map((l) => l.type)).toEqual(A.events.map((e) => e.type));
    const ext = lines.find((l) => l.type === 'obligation.transitioned.v1' && l.reason === 'inondation')!;
    expect(ext).toMatchObject({
      subject: obligationId,
      actor,
      before: { status: 'upcoming', dueDate: '2026-05-01' },
      after: { status: 'extended', dueDate: '2026-06-01' },
    });
    expect(lines.find((l) => l.type === 'praxis.note.verified.v1')).toMatchObject({
      actor: { kind: 'system', id: 'praxis-connector' },
      subject: 'https://praxis.example/notes/42',
      after: { agreementIds: [expect.any(String)], source: 'declared' },
    });
    expect(lines.find((l) => l.type === 'praxis.note.withdrawn.v1')).toMatchObject({
      reason: 'gone',
      before: { public: true, obligationIds: [obligationId] },
      after: { public: false, httpStatus: 410 },
    });
    expect(lines.find((l) => l.reason === 'projet annulé par le bailleur')).toMatchObject({
      actor,
      before: { status: 'evidence_withdrawn' },
      after: { status: 'waived' },
    });
    expect(lines.find((l) => l.type === 'reminder.sent.v1')).toMatchObject({
      actor: { kind: 'system', id: 'notifier' },
      subject: obligationId,
      after: { contactRef: 'p_1', stageKey: 'D-7' },
    });
    expect(lines.find((l) => l.type === 'reminder.failed.v1')!.reason).toMatch(/^550 <?k_[0-9a-f]{16}>? unknown$/);
    const amended = lines.find((l) => l.type === 'agreement.amended.v1')!;
    expect(amended.before).toMatchObject({ title: 'Théâtre', revision: 1 });
    expect(amended.after).toMatchObject({ title: 'Théâtre jeunesse', revision: 2, changes: ['title'] });
    // personal data never reaches the audit export (pseudonyms only)
    const text = JSON.stringify(lines);
    expect(text).not.toContain('alex@exemple.org');
    expect(text).not.toContain('rapports@exemple.org');
    expect(lines.find((l) => l.type === 'api_key.revoked.v1')).toMatchObject({
      actor: { kind: 'api_key', id: 'bootstrap' },
      subject: keyId,
      after: { active: false },
    });
    expect(lines.every((l) => /^\d{4}-\d\d-\d\dT.*Z$/.test(l.at))).toBe(true);
  });

  it('is a hash chain an outsider can recompute from the NDJSON export', async () => {
    const { lines, trailer } = await exportAll(A.funderId);
    // the trailer is the head read with these lines: the last entry, so a cut tail shows offline
    expect(trailer).toEqual({
      type: 'audit.head',
      funderId: A.funderId,
      head: { seq: lines.at(-1)!.seq, hash: lines.at(-1)!.hash },
      entries: lines.length,
      readAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
    });
    let prev = GENESIS_HASH;
    lines.forEach((l, i) => {
      expect(l.seq).toBe(i + 1);
      expect(l.prevHash).toBe(prev);
      const { hash, prevHash, recordedAt, ...content } = l;
      void recordedAt;
      expect(hash).toBe(entryHash(content, prevHash));
      expect(entryHash(JSON.parse(canonicalJson(content)), prevHash)).toBe(hash);
      prev = hash;
    });
    expect(await verify(A.funderId)).toEqual({ intact: true, events: lines.length });
    // the funder itself may export its own log
    expect((await exportLines(A.funderId, asPrincipal({ role: 'funder', funderId: A.funderId }))).length).toBe(
      lines.length,
    );
    // a time window
    const window = await exportLines(
      A.funderId,
      auditor,
      `&from=${encodeURIComponent(lines[2]!.at)}&to=${encodeURIComponent(lines[3]!.at)}`,
    );
    expect(window.length).toBeGreaterThan(0);
    expect(window.every((l) => l.at >= lines[2]!.at && l.at <= lines[3]!.at)).toBe(true);
    // a window is not a whole chain: its trailer says so, and still gives the whole chain's head
    const windowed = await exportAll(A.funderId, auditor, `&from=${encodeURIComponent(lines[2]!.at)}`);
    expect(windowed.trailer).toMatchObject({ head: trailer.head, window: { from: lines[2]!.at } });
    // a funder with nothing recorded: the genesis head
    const nobody = uuid();
    const empty = await exportAll(nobody, asPrincipal({ role: 'funder', funderId: nobody }));
    expect(empty).toMatchObject({ lines: [], trailer: { head: { seq: 0, hash: GENESIS_HASH }, entries: 0 } });
  });

  it('never forks under two concurrent consumers appending for the same funder', async () => {
    // a second replica on the same database and queue: appends for one funder race between them
    second = await startReports(loadReportsConfig({ ...t.env, REPORTS_BATCH_SIZE: '7', REPORTS_BATCH_LINGER_MS: '0' }));
    const before = await auditCount(A.funderId);
    const p = A.programme('RACE');
    const a = A.agreement(p, 'R-1', { title: 'Course', grantee: { name: 'Coureurs' }, dues: ['2026-05-01'] });
    const batch = A.events.slice(-2);
    for (let i = 0; i < 300; i++)
      batch.push(A.transition(a, a.obligationIds[0]!, '2026-05-01', 'upcoming', 'due_soon'));
    await publish(t.amqpUrl, batch);
    await eventually(async () => (await auditCount(A.funderId)) === before + batch.length, 'all appended', 30_000);
    const seqs = (
      await db.query('SELECT seq FROM reports.audit_event WHERE funder_id = $1 ORDER BY seq', [A.funderId])
    ).rows.map((r) => Number(r.seq));
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    const v = await verify(A.funderId);
    expect(v).toEqual({ intact: true, events: before + batch.length });
    // both replicas did part of the work
    expect(svc.events.applied).toBeGreaterThan(0);
    expect(second.events.applied).toBeGreaterThan(0);
  });

  it('names contacts by the keyed pseudonym in new entries; a chain mixing them with older unkeyed entries verifies', async () => {
    const email = 'camille@exemple.org';
    const keyed = keyedPseudonym(personPseudonymKey(loadReportsConfig(t.env)), email);
    const M = new World();
    M.funder('Fonds mixte', 'fr', [email]);
    const p = M.programme('MIX');
    const a = M.agreement(p, 'X-1', {
      title: 'Mélange',
      grantee: { name: 'Atelier' },
      dues: ['2026-05-01'],
      contacts: [{ name: 'Camille', email, locale: 'fr' }],
    });
    // what a release before keyed pseudonyms wrote: the funder and the agreement under the bare hash
    const [funderEvent, , registered] = M.events as [
      Envelope<'funder.registered.v1'>,
      Envelope,
      Envelope<'agreement.registered.v1'>,
    ];
    await auditedTransact(svc.runtime.pool)(async (tx) => {
      tx.audit.add(funderRegistered(funderEvent, pseudonymize));
      tx.audit.add(agreementSnapshot(registered, { applied: true, before: null }, pseudonymize));
    });
    // then this release records the rest of the story (those two events were consumed back then)
    const amended = envelope('agreement.amended.v1', {
      ...a.snapshot,
      title: 'Mélange 2',
      revision: 2,
      changes: ['title'],
    });
    await publish(t.amqpUrl, [M.events[1]!, amended]);
    await eventually(async () => (await auditCount(M.funderId)) === 4, 'new entries appended', 20_000);

    const funderM = asPrincipal({ role: 'funder', funderId: M.funderId });
    const lines = await exportLines(M.funderId, funderM);
    const [old, fresh] = [lines.slice(0, 2), lines.slice(2)];
    expect(JSON.stringify(old)).toContain(pseudonymize(email)); // kept as written: the chain covers it
    const text = JSON.stringify(fresh);
    expect(text).toContain(keyed);
    expect(text).not.toContain(pseudonymize(email)); // no unkeyed hash of the email in a new entry
    expect(text).not.toContain(email);
    expect(fresh.find((l) => l.type === 'agreement.amended.v1')).toMatchObject({ after: { contacts: [keyed] } });
    expect(await verify(M.funderId, funderM)).toEqual({ intact: true, events: 4 });
  });

  it('reports the first broken entry after a row is edited directly in SQL', async () => {
    const n = await auditCount(A.funderId);
    await db.query(`UPDATE reports.audit_event SET reason = 'rien à signaler' WHERE funder_id = $1 AND seq = 3`, [
      A.funderId,
    ]);
    expect(await verify(A.funderId)).toMatchObject({
      intact: false,
      events: n,
      firstBrokenAt: { seq: 3, problem: 'hash_mismatch' },
    });
    // recomputing that row's hash to hide the edit breaks the link of the next one
    const row = (await exportLines(A.funderId)).find((l) => l.seq === 3)!;
    const { hash, prevHash, recordedAt, ...content } = row;
    void hash;
    void recordedAt;
    await db.query('UPDATE reports.audit_event SET hash = $2 WHERE funder_id = $1 AND seq = 3', [
      A.funderId,
      entryHash(content, prevHash),
    ]);
    expect(await verify(A.funderId)).toMatchObject({
      intact: false,
      firstBrokenAt: { seq: 4, problem: 'prev_hash_mismatch' },
    });
    // deleting the newest entries is caught by the head
    const other = new World();
    other.funder('Autre', 'fr');
    other.programme('X');
    await publish(t.amqpUrl, other.events);
    await eventually(async () => (await auditCount(other.funderId)) === 2, 'other chain');
    await db.query('DELETE FROM reports.audit_event WHERE funder_id = $1 AND seq = 2', [other.funderId]);
    const res = await fetch(`${base}/v1/audit/verify?funderId=${other.funderId}`, {
      headers: asPrincipal({ role: 'funder', funderId: other.funderId }),
    });
    expect(await res.json()).toMatchObject({
      intact: false,
      events: 1,
      firstBrokenAt: { seq: 2, problem: 'head_mismatch' },
    });
  });
});

describe('published heads (anchoring)', () => {
  const C = new World();
  const asC = asPrincipal({ role: 'funder', funderId: C.funderId });

  /**
   * What whoever controls the database could do: edit entries and recompute every hash from the
   * genesis value, the head row included, so that the chain is consistent with itself.
   */
  async function rewriteWhole(funderId: string, edit: (l: Line) => Line | null): Promise<void> {
    const lines = await exportLines(funderId, asPrincipal({ role: 'funder', funderId }));
    let head = { seq: 0, hash: GENESIS_HASH };
    await db.query('BEGIN');
    await db.query('DELETE FROM reports.audit_event WHERE funder_id = $1', [funderId]);
    for (const l of lines) {
      const kept = edit(l);
      if (!kept) continue;
      const { seq: _s, prevHash: _p, hash: _h, recordedAt: _r, ...content } = kept;
      const e = link(head, content);
      await insertAuditRow(db, e);
      head = { seq: e.seq, hash: e.hash };
    }
    await db.query('UPDATE reports.audit_head SET seq = $2, hash = $3 WHERE funder_id = $1', [
      funderId,
      head.seq,
      head.hash,
    ]);
    await db.query('COMMIT');
  }

  beforeAll(async () => {
    C.funder('Fonds de recherche', 'fr');
    const p = C.programme('RECH');
    const a = C.agreement(p, 'R-9', { title: 'Étude', grantee: { name: 'Labo' }, dues: ['2026-05-01'] });
    C.transition(a, a.obligationIds[0]!, '2026-05-01', null, 'upcoming', {
      actor: { kind: 'system', id: 'obligations' },
    });
    C.transition(a, a.obligationIds[0]!, '2026-05-01', 'upcoming', 'waived', { reason: 'projet abandonné' });
    await publish(t.amqpUrl, C.events);
    await eventually(async () => (await auditCount(C.funderId)) === C.events.length, 'chain of C');
  });

  it('says each published head still holds while the chain is untouched', async () => {
    const { trailer, lines } = await exportAll(C.funderId, asC);
    const mid = lines[1]!;
    const res = await verifyHeads(
      { funderId: C.funderId, heads: [trailer.head, { seq: mid.seq, hash: mid.hash }] },
      asC,
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      intact: true,
      events: lines.length,
      heads: [
        { ...trailer.head, holds: true },
        { seq: mid.seq, hash: mid.hash, holds: true },
      ],
    });
  });

  it('catches a chain rewritten from the start with every hash recomputed, at the published seq', async () => {
    const { trailer: published } = await exportAll(C.funderId, asC);
    // the waiver's reason is changed, and everything recomputed consistently
    await rewriteWhole(C.funderId, (l) =>
      l.reason === 'projet abandonné' ? { ...l, reason: 'à la demande du bénéficiaire' } : l,
    );
    // the chain alone is consistent: verify says intact, and so would any offline verifier
    expect(await verify(C.funderId, asC)).toEqual({ intact: true, events: published.head.seq });
    const res = await verifyHeads({ funderId: C.funderId, heads: [published.head] }, asC);
    const v = (await res.json()) as Verdict;
    expect(v).toMatchObject({
      intact: false,
      events: published.head.seq,
      firstBrokenAt: { seq: published.head.seq, problem: 'published_head_mismatch' },
      heads: [{ ...published.head, holds: false, found: expect.stringMatching(/^[0-9a-f]{64}$/) }],
    });
    expect(v.heads![0]!.found).not.toBe(published.head.hash);
  });

  it('catches a chain cut back to before a published head', async () => {
    const { trailer: published } = await exportAll(C.funderId, asC);
    await rewriteWhole(C.funderId, (l) => (l.seq === published.head.seq ? null : l));
    expect(await verify(C.funderId, asC)).toEqual({ intact: true, events: published.head.seq - 1 });
    const v = (await (await verifyHeads({ funderId: C.funderId, heads: [published.head] }, asC)).json()) as Verdict;
    expect(v).toMatchObject({
      intact: false,
      firstBrokenAt: { seq: published.head.seq, problem: 'published_head_missing' },
      heads: [{ ...published.head, holds: false }],
    });
    expect(v.heads![0]).not.toHaveProperty('found');
  });

  it('publishes the head in the report itself: json, csv, html and pdf, one funder at a time', async () => {
    const { trailer } = await exportAll(C.funderId, asC);
    const get = (format: string, headers = asC) =>
      fetch(`${base}/v1/reports/compliance?asOf=2026-12-01&format=${format}`, { headers });
    const report = (await (await get('json')).json()) as ComplianceReport;
    expect(report.auditHead).toEqual({ ...trailer.head, at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/) });
    const head = report.auditHead!;
    const csvRows = (await (await get('csv')).text()).trim().split('\r\n');
    expect(csvRows.at(-1)).toMatch(new RegExp(`^Tête de la chaîne d'audit;${head.seq};${head.hash};\\d{4}-`));
    const html = await (await get('html')).text();
    expect(html).toContain(`<code>seq ${head.seq} · hash ${head.hash} · lue le `);
    // the PDF, as a reader extracts its text (poppler's pdftotext): the head's hash, whole
    const pdf = Buffer.from(await (await get('pdf')).arrayBuffer());
    const text = execFileSync('pdftotext', ['-', '-'], { input: pdf }).toString('utf8');
    expect(text).toContain(`seq ${head.seq}`);
    expect(text.replace(/\s+/g, '')).toContain(head.hash);
    // an auditor's report over several funders has several chains: it names none (ask per funder)
    const both = asPrincipal({ role: 'auditor', funderIds: [A.funderId, C.funderId] });
    expect(((await (await get('json', both)).json()) as ComplianceReport).auditHead).toBeNull();
    const one = `${base}/v1/reports/compliance?asOf=2026-12-01&funderId=${C.funderId}`;
    expect(((await (await fetch(one, { headers: both })).json()) as ComplianceReport).auditHead).toMatchObject(
      trailer.head,
    );
    // what the report published is a head the service proves it still holds
    const v = (await (
      await verifyHeads({ funderId: C.funderId, heads: [{ seq: head.seq, hash: head.hash }] }, asC)
    ).json()) as Verdict;
    expect(v).toMatchObject({ intact: true, heads: [{ seq: head.seq, holds: true }] });
  });

  it('refuses heads that are not a seq and a 64-character lowercase hex hash, naming each (fr/en)', async () => {
    const bad = {
      funderId: C.funderId,
      heads: [
        { seq: 0, hash: 'A'.repeat(64) },
        { seq: 2, hash: 'abc' },
      ],
    };
    const fr = await verifyHeads(bad, asC, 'fr');
    expect(fr.status).toBe(422);
    const frBody = (await fr.json()) as { detail: string; errors: { path: string; message: string }[] };
    expect(frBody.detail).toBe('la requête ne respecte pas le contrat');
    expect(frBody.errors.map((e) => e.path).sort()).toEqual(['heads[0].hash', 'heads[0].seq', 'heads[1].hash']);
    const en = await verifyHeads(bad, asC, 'en');
    expect(en.status).toBe(422);
    expect(((await en.json()) as { detail: string }).detail).toBe('the request does not match the contract');
    // no heads at all, or no funder
    expect((await verifyHeads({ funderId: C.funderId, heads: [] }, asC)).status).toBe(422);
    expect((await verifyHeads({ heads: [{ seq: 1, hash: GENESIS_HASH }] }, asC)).status).toBe(422);
    // another tenant's chain is not found, whatever the heads say
    const other = asPrincipal({ role: 'funder', funderId: uuid() });
    expect((await verifyHeads({ funderId: C.funderId, heads: [{ seq: 1, hash: GENESIS_HASH }] }, other)).status).toBe(
      404,
    );
  });
});
