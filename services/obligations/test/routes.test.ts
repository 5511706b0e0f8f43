/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies and event payloads are asserted with toMatchObject */
import { eventually } from '@pc/testkit';
import { reminderId } from '../src/domain/ids';
import {
  fixture,
  harnessForFile,
  obligationsOf,
  programme,
  snapshot,
  uuid,
  verifiedNote,
  type Fixture,
} from './helpers';

const h = harnessForFile({ today: '2027-06-01' });
// Grantee G has agreements with two funders (A and B, same grantee id: matched by NEQ upstream);
// funder C and grantee H are the other tenants.
const G = uuid();
const A = fixture({ granteeId: G });
const B = fixture({ granteeId: G });
const C = fixture();
let aObs: string[] = [];
let bObs: string[] = [];
let cObs: string[] = [];
let aAgreement = '';

beforeAll(async () => {
  for (const f of [A, B, C]) await h.publish('programme.registered.v1', programme(f));
  const sa = snapshot(A, {
    obligations: [
      ...obligationsOf(uuid(), 2, '2027-12-31'),
      ...obligationsOf(uuid(), 1, '2027-06-20', 'mid_term_note'),
      ...obligationsOf(uuid(), 1, '2027-04-30', 'final_note'),
    ],
    title: 'Entente A, volet 1; suivi',
  });
  aAgreement = sa.agreementId;
  const sb = snapshot(B, { obligations: obligationsOf(uuid(), 1, '2027-09-30') });
  const sc = snapshot(C, { obligations: obligationsOf(uuid(), 1, '2027-08-31') });
  for (const s of [sa, sb, sc]) await h.publish('agreement.registered.v1', s);
  aObs = sa.obligations.map((o) => o.id);
  bObs = sb.obligations.map((o) => o.id);
  cObs = sc.obligations.map((o) => o.id);
});

const asFunder = (f: Fixture) => ({
  role: 'funder' as const,
  funderId: f.funderId,
  keyId: `key-${f.funderId.slice(0, 4)}`,
});
const json = async (r: Response) => (await r.json()) as any;

describe('GET /v1/obligations', () => {
  it("lists a funder's own obligations ordered by due date, with filters", async () => {
    const all = await json(await h.call('GET', '/v1/obligations', asFunder(A)));
    expect(all.data.map((o: any) => o.dueDate)).toEqual(['2027-04-30', '2027-06-20', '2027-12-31', '2027-12-31']);
    expect(all.data[0]).toMatchObject({
      agreementId: aAgreement,
      funderId: A.funderId,
      programmeCode: A.programmeCode,
      kind: 'final_note',
      status: 'overdue',
      agreementTitle: 'Entente A, volet 1; suivi',
    });
    expect(all.nextCursor).toBeNull();
    const f = async (q: string) =>
      (await json(await h.call('GET', `/v1/obligations?${q}`, asFunder(A)))).data.map((o: any) => o.dueDate);
    expect(await f('status=due_soon')).toEqual(['2027-06-20']);
    expect(await f(`programme=${A.programmeCode}`)).toHaveLength(4);
    expect(await f(`programme=${B.programmeCode}`)).toEqual([]); // another funder's programme code shows nothing
    expect(await f('dueBefore=2027-06-20')).toEqual(['2027-04-30', '2027-06-20']);
    expect(await f('dueAfter=2027-06-21')).toEqual(['2027-12-31', '2027-12-31']);
    expect(await f(`agreementId=${aAgreement}&dueAfter=2027-05-01&dueBefore=2027-07-01`)).toEqual(['2027-06-20']);
  });

  it('pages with limit and an opaque cursor', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await json(
        await h.call('GET', `/v1/obligations?limit=3${cursor ? `&cursor=${cursor}` : ''}`, asFunder(A)),
      );
      seen.push(...page.data.map((o: any) => o.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(4);
    expect(new Set(seen)).toEqual(new Set(aObs));
  });

  it("never lists another funder's obligations", async () => {
    const c = await json(await h.call('GET', '/v1/obligations', asFunder(C)));
    expect(c.data.map((o: any) => o.id)).toEqual(cObs);
    const byAgreement = await json(await h.call('GET', `/v1/obligations?agreementId=${aAgreement}`, asFunder(C)));
    expect(byAgreement.data).toEqual([]);
  });

  it('shows an auditor its whole scope, nothing else', async () => {
    const r = await json(
      await h.call('GET', '/v1/obligations', { role: 'auditor', funderIds: [A.funderId, B.funderId] }),
    );
    expect(new Set(r.data.map((o: any) => o.id))).toEqual(new Set([...aObs, ...bObs]));
  });

  it('rejects bad filters with 422 naming the field (malformed date, impossible date, bad cursor, limit)', async () => {
    for (const [q, path] of [
      ['dueBefore=2027-13-45', 'dueBefore'],
      ['dueBefore=tomorrow', 'query.dueBefore'],
      ['cursor=nope', 'cursor'],
      ['limit=0', 'query.limit'],
      ['status=late', 'query.status'],
    ]) {
      const r = await h.call('GET', `/v1/obligations?${q}`, asFunder(A));
      expect(r.status).toBe(422);
      expect((await json(r)).errors.map((e: any) => e.path)).toContain(path);
    }
  });

  it('refuses grantees and admins (403)', async () => {
    expect((await h.call('GET', '/v1/obligations', { role: 'grantee', granteeId: G })).status).toBe(403);
    expect((await h.call('GET', '/v1/obligations', { role: 'admin' })).status).toBe(403);
  });
});

describe('GET /v1/obligations/{id}', () => {
  it('shows transitions, evidence and reminders with what the notifier reported', async () => {
    const id = aObs[2]!; // due 2027-06-20: as of 2027-06-01 its D-30 stage (2027-05-21) is the latest due
    const jobId = uuid();
    await h.publish('job.requested.v1', {
      jobId,
      kind: 'evaluate',
      asOf: '2027-06-01',
      actor: { kind: 'system', id: 'scheduler' },
    });
    await eventually(async () => (await h.outbox('reminder.run_closed.v1', 'subject = $1', [jobId]))[0], 'run closed');
    const rid = reminderId(id, 'D-30');
    await h.publish('reminder.sent.v1', {
      reminderId: rid,
      runId: jobId,
      obligationId: id,
      funderId: A.funderId,
      stageKey: 'D-30',
      contactRef: 'p_abc',
      messageId: '<m1@x>',
      sentAt: '2027-06-01T16:00:00.000Z',
    });
    await h.publish('reminder.failed.v1', {
      reminderId: rid,
      runId: jobId,
      obligationId: id,
      funderId: A.funderId,
      stageKey: 'D-30',
      contactRef: 'p_def',
      email: 'x@example.org',
      permanent: true,
      reason: '550 mailbox unavailable',
      at: '2027-06-01T16:00:01.000Z',
    });
    await h.publish(
      'praxis.note.verified.v1',
      verifiedNote('r1', [aAgreement], {
        title: 'Bilan',
        publishedOn: '2027-05-30',
        verifiedAt: '2027-05-31T12:00:00.000Z',
      }),
    );
    // the note fulfils the earliest open obligation of the agreement: the overdue final note (aObs[3])
    const r = await h.call('GET', `/v1/obligations/${id}`, asFunder(A));
    expect(r.status).toBe(200);
    const d = await json(r);
    expect(d.transitions[0]).toMatchObject({
      from: null,
      to: 'due_soon',
      reason: 'agreement registered',
      actor: { kind: 'api_key', id: 'k1' },
    });
    expect(d.reminders).toEqual([
      expect.objectContaining({
        reminderId: rid,
        stageKey: 'D-30',
        status: 'due',
        runId: jobId,
        asOf: '2027-06-01',
        deliveries: [
          expect.objectContaining({ contactRef: 'p_abc', outcome: 'sent', messageId: '<m1@x>' }),
          expect.objectContaining({
            contactRef: 'p_def',
            outcome: 'failed',
            permanent: true,
            reason: '550 mailbox unavailable',
          }),
        ],
      }),
    ]);
    expect(JSON.stringify(d)).not.toContain('x@example.org'); // the failing address is not kept here
    const fulfilled = await json(await h.call('GET', `/v1/obligations/${aObs[3]}`, asFunder(A)));
    expect(fulfilled.evidence).toEqual([
      expect.objectContaining({
        noteUrl: 'https://praxis.encommun.io/n/r1/',
        title: 'Bilan',
        publishedOn: '2027-05-30',
        late: true,
        verifiedAt: '2027-05-31T12:00:00.000Z',
      }),
    ]);
    expect(fulfilled).toMatchObject({ status: 'fulfilled', late: true, fulfilledAt: '2027-05-31T12:00:00.000Z' });
  });

  it('is visible to the funder, an auditor in scope and the owning grantee; 404 to other tenants, 403 to admin', async () => {
    const id = bObs[0]!;
    expect((await h.call('GET', `/v1/obligations/${id}`, asFunder(B))).status).toBe(200);
    expect((await h.call('GET', `/v1/obligations/${id}`, { role: 'auditor', funderIds: [B.funderId] })).status).toBe(
      200,
    );
    expect((await h.call('GET', `/v1/obligations/${id}`, { role: 'grantee', granteeId: G })).status).toBe(200);
    for (const who of [
      asFunder(A),
      asFunder(C),
      { role: 'auditor' as const, funderIds: [A.funderId] },
      { role: 'grantee' as const, granteeId: C.granteeId },
    ]) {
      const r = await h.call('GET', `/v1/obligations/${id}`, who);
      expect(r.status).toBe(404);
    }
    // Valid token, wrong role: the admin role reads no tenant's obligations (403, as on every funder route).
    expect((await h.call('GET', `/v1/obligations/${id}`, { role: 'admin' })).status).toBe(403);
    expect((await h.call('GET', `/v1/obligations/${uuid()}`, asFunder(B))).status).toBe(404);
    expect((await h.call('GET', '/v1/obligations/not-a-uuid', asFunder(B))).status).toBe(422);
  });
});

describe('POST /v1/obligations/{id}/extension', () => {
  it('moves the due date later with a reason and keeps the history', async () => {
    const id = aObs[0]!; // due 2027-12-31
    const r = await h.call('POST', `/v1/obligations/${id}/extension`, asFunder(A), {
      newDueDate: '2028-03-31',
      reason: 'Report du projet',
    });
    expect(r.status).toBe(200);
    const d = await json(r);
    expect(d).toMatchObject({ id, status: 'extended', dueDate: '2028-03-31' });
    expect(d.transitions.at(-1)).toMatchObject({
      from: 'upcoming',
      to: 'extended',
      reason: 'Report du projet',
      previousDueDate: '2027-12-31',
      dueDate: '2028-03-31',
      actor: { kind: 'api_key', id: asFunder(A).keyId },
    });
    const ev = (await h.outbox('obligation.transitioned.v1', 'subject = $1', [id])).at(-1)!.data;
    expect(ev).toMatchObject({
      from: 'upcoming',
      to: 'extended',
      dueDate: '2028-03-31',
      previousDueDate: '2027-12-31',
      reason: 'Report du projet',
    });
  });

  it('refuses a date in the past or not after the current due date (422 naming newDueDate), storing nothing', async () => {
    const overdue = aObs[3]!; // due 2027-04-30, today 2027-06-01
    const upcoming = aObs[1]!; // due 2027-12-31
    const cases: Array<[string, { newDueDate: string; reason: string }, string]> = [
      [
        overdue,
        { newDueDate: '2027-05-15', reason: 'x' },
        'ne peut pas être dans le passé (nous sommes le 2027-06-01)',
      ],
      [upcoming, { newDueDate: '2027-12-31', reason: 'x' }, "doit être postérieure à l'échéance actuelle 2027-12-31"],
      [upcoming, { newDueDate: '2027-11-30', reason: 'x' }, "doit être postérieure à l'échéance actuelle 2027-12-31"],
      [upcoming, { newDueDate: '2028-02-30', reason: 'x' }, 'doit être une date du calendrier AAAA-MM-JJ'],
      [upcoming, { newDueDate: '9999-12-31', reason: 'x' }, 'ne peut pas dépasser le 2100-12-31'],
    ];
    const before = { t: await h.count('transition'), o: await h.count('outbox') };
    for (const [id, body, message] of cases) {
      const r = await h.call('POST', `/v1/obligations/${id}/extension`, asFunder(A), body);
      expect(r.status).toBe(422);
      expect((await json(r)).errors).toEqual([{ path: 'newDueDate', message }]);
    }
    const noReason = await h.call('POST', `/v1/obligations/${upcoming}/extension`, asFunder(A), {
      newDueDate: '2028-01-31',
    });
    expect(noReason.status).toBe(422);
    expect((await json(noReason)).errors.map((e: any) => e.path)).toEqual(['reason']);
    const blank = await h.call('POST', `/v1/obligations/${upcoming}/extension`, asFunder(A), {
      newDueDate: '2028-01-31',
      reason: '   ',
    });
    expect((await json(blank)).errors).toEqual([{ path: 'reason', message: 'un motif est requis' }]);
    expect(await h.count('transition')).toBe(before.t);
    expect(await h.count('outbox')).toBe(before.o);
    expect(await h.statusOf(overdue)).toEqual({ status: 'fulfilled', due_date: '2027-04-30' });
    expect(await h.statusOf(upcoming)).toEqual({ status: 'upcoming', due_date: '2027-12-31' });
  });

  it('refuses a closed obligation (409), other roles (403) and other tenants (404)', async () => {
    const fulfilled = aObs[3]!;
    const r = await h.call('POST', `/v1/obligations/${fulfilled}/extension`, asFunder(A), {
      newDueDate: '2028-01-31',
      reason: 'x',
    });
    expect(r.status).toBe(409);
    expect((await json(r)).detail).toBe('une obligation remplie ne peut pas devenir prolongée');
    const body = { newDueDate: '2028-01-31', reason: 'x' };
    expect(
      (await h.call('POST', `/v1/obligations/${aObs[1]}/extension`, { role: 'auditor', funderIds: [A.funderId] }, body))
        .status,
    ).toBe(403);
    expect(
      (await h.call('POST', `/v1/obligations/${aObs[1]}/extension`, { role: 'grantee', granteeId: G }, body)).status,
    ).toBe(403);
    expect((await h.call('POST', `/v1/obligations/${aObs[1]}/extension`, asFunder(C), body)).status).toBe(404);
    expect((await h.call('POST', `/v1/obligations/${aObs[1]}/extension`, asFunder(B), body)).status).toBe(404);
  });
});

describe('POST /v1/obligations/{id}/waiver', () => {
  it('waives with a reason; refuses no reason (422), a second waiver (409), other roles (403) and tenants (404)', async () => {
    const id = bObs[0]!;
    const before = await h.count('transition');
    for (const body of [{}, { reason: '' }, { reason: '  ' }]) {
      const r = await h.call('POST', `/v1/obligations/${id}/waiver`, asFunder(B), body);
      expect(r.status).toBe(422);
      expect((await json(r)).errors.map((e: any) => e.path)).toEqual(['reason']);
    }
    expect(await h.count('transition')).toBe(before);
    expect((await h.call('POST', `/v1/obligations/${id}/waiver`, asFunder(A), { reason: 'x' })).status).toBe(404);
    expect(
      (await h.call('POST', `/v1/obligations/${id}/waiver`, { role: 'grantee', granteeId: G }, { reason: 'x' })).status,
    ).toBe(403);
    expect(
      (
        await h.call(
          'POST',
          `/v1/obligations/${id}/waiver`,
          { role: 'auditor', funderIds: [B.funderId] },
          { reason: 'x' },
        )
      ).status,
    ).toBe(403);
    const r = await h.call('POST', `/v1/obligations/${id}/waiver`, asFunder(B), { reason: 'Organisme dissous' });
    expect(r.status).toBe(200);
    expect((await json(r)).transitions.at(-1)).toMatchObject({
      from: 'upcoming',
      to: 'waived',
      reason: 'Organisme dissous',
    });
    const again = await h.call('POST', `/v1/obligations/${id}/waiver`, asFunder(B), { reason: 'encore' });
    expect(again.status).toBe(409);
    expect((await json(again)).detail).toBe('une obligation levée ne peut pas devenir levée (état définitif)');
  });
});

describe('grantee routes', () => {
  it('GET /v1/me/obligations lists the grantee obligations across all its funders, and only those', async () => {
    const r = await json(await h.call('GET', '/v1/me/obligations', { role: 'grantee', granteeId: G }));
    expect(new Set(r.data.map((o: any) => o.id))).toEqual(new Set([...aObs, ...bObs]));
    expect(new Set(r.data.map((o: any) => o.funderId))).toEqual(new Set([A.funderId, B.funderId]));
    const other = await json(await h.call('GET', '/v1/me/obligations', { role: 'grantee', granteeId: C.granteeId }));
    expect(other.data.map((o: any) => o.id)).toEqual(cObs);
    const page = await json(await h.call('GET', '/v1/me/obligations?limit=2', { role: 'grantee', granteeId: G }));
    expect(page.data).toHaveLength(2);
    expect(page.nextCursor).toEqual(expect.any(String));
    expect((await h.call('GET', '/v1/me/obligations', asFunder(A))).status).toBe(403);
  });

  it('GET /v1/me/calendar.ics is a valid iCalendar with one event per open obligation', async () => {
    const r = await h.call('GET', '/v1/me/calendar.ics', { role: 'grantee', granteeId: G });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    const ics = await r.text();
    expect(ics.startsWith('BEGIN:VCALENDAR\r\nVERSION:2.0\r\n')).toBe(true);
    expect(ics.endsWith('END:VCALENDAR\r\n')).toBe(true);
    expect(ics.replace(/\r\n/g, '')).not.toContain('\n');
    const unfolded = ics.replace(/\r\n /g, '');
    const uids = [...unfolded.matchAll(/^UID:(.+)$/gm)].map((m) => m[1]!.trim());
    const open = (
      await h.db.query(
        `SELECT id FROM obligation WHERE grantee_id = $1 AND status IN ('upcoming','due_soon','overdue','extended','evidence_withdrawn')`,
        [G],
      )
    ).rows.map((x) => `${x.id}@praxis-compliance.encommun.io`);
    expect(new Set(uids)).toEqual(new Set(open));
    expect(unfolded).toContain('SUMMARY:Praxis : note');
    expect(unfolded).toContain('Entente A\\, volet 1\\; suivi');
    expect(unfolded).toMatch(/DTSTART;VALUE=DATE:\d{8}\r\n/);
    const again = await (await h.call('GET', '/v1/me/calendar.ics', { role: 'grantee', granteeId: G })).text();
    expect(again).toBe(ics); // stable
    const other = await (
      await h.call('GET', '/v1/me/calendar.ics', { role: 'grantee', granteeId: C.granteeId })
    ).text();
    expect(other).toContain(`UID:${cObs[0]}@`);
    expect(other).not.toContain(aObs[1]!);
    expect((await h.call('GET', '/v1/me/calendar.ics', asFunder(A))).status).toBe(403);
  });
});
