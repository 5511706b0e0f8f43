import pg from 'pg';
import { keyedPseudonym, personPseudonymKey, pseudonymize } from '@pc/service-kit';
import { asPrincipal, eventually, type TestEnv } from '@pc/testkit';
import { auditedTransact } from '../src/adapters/audit-store';
import { agreementSnapshot, funderRegistered } from '../src/domain/audit-entries';
import { startReports, type RunningService } from '../src/main';
import { loadReportsConfig } from '../src/config';
import { canonicalJson, entryHash, GENESIS_HASH, type AuditEntry } from '../src/domain/audit-chain';
import type { Envelope } from '@pc/contracts';
import { envelope, publish, startService, stopService, World, actor, uuid } from './helpers';

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
async function exportLines(
  funderId: string,
  headers = auditor,
  query = '',
): Promise<(AuditEntry & { recordedAt: string })[]> {
  const res = await fetch(`${base}/v1/audit/events?funderId=${funderId}${query}`, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('application/x-ndjson');
  return (await res.text())
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}
async function verify(
  funderId: string,
  headers = auditor,
): Promise<{ intact: boolean; events: number; firstBrokenAt?: { seq: number; problem: string } }> {
  const res = await fetch(`${base}/v1/audit/verify?funderId=${funderId}`, { headers });
  expect(res.status).toBe(200);
  return (await res.json()) as never;
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
    const lines = await exportLines(A.funderId);
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
