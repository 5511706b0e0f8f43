import pg from 'pg';
import { derivePseudonymKey, keyedPseudonym, pseudonymize } from '@pc/service-kit';
import { asPrincipal, eventually, type TestEnv } from '@pc/testkit';
import type { RunningService } from '../src/main';
import { flat, pdfText } from './pdf-tools';
import { formatInt, formatRate, STATUSES } from '../src/domain/i18n';
import type { ComplianceReport } from '../src/domain/compliance';
import { envelope, publish, startService, stopService, World, actor, uuid } from './helpers';

// jest.config.js sets testTimeout inside `projects`, where Jest 30 ignores it (global option)
jest.setTimeout(60_000);

let t: TestEnv;
let svc: RunningService;
let db: pg.Client;
let base: string;
const A = new World();
const B = new World();
const asOf = '2026-10-15';
let o: string[] = [];
let replayable: ReturnType<typeof envelope>[] = [];
let pMob = '';

const funderA = asPrincipal({ role: 'funder', funderId: A.funderId });
const funderB = asPrincipal({ role: 'funder', funderId: B.funderId });

async function get(path: string, headers: Record<string, string>): Promise<Response> {
  return fetch(base + path, { headers });
}
async function json<T = ComplianceReport>(path: string, headers: Record<string, string> = funderA): Promise<T> {
  const res = await get(path, headers);
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}
async function auditCount(funderId: string): Promise<number> {
  return (await db.query('SELECT count(*)::int AS n FROM reports.audit_event WHERE funder_id = $1', [funderId])).rows[0]
    .n;
}

beforeAll(async () => {
  ({ t, svc, base, db } = await startService());

  A.funder('Fondation Lucie', 'fr');
  pMob = A.programme('MOB', 'Mobilisation');
  const pOther = A.programme('AUTRE', 'Autre programme');
  const a1 = A.agreement(pMob, 'A-0001', {
    title: '=HYPERLINK("http://evil.example")',
    grantee: { name: 'Cuisines solidaires' },
    dues: ['2026-03-31', '2026-06-30', '2026-09-30', '2027-03-31'],
  });
  const a2 = A.agreement(pMob, 'A-0002', {
    title: '-2+3',
    grantee: { name: '@Groupe' },
    dues: ['2026-02-28', '2026-05-31', '2026-08-31'],
  });
  const a3 = A.agreement(pOther, 'A-0003', {
    title: 'Jardins',
    grantee: { id: a1.granteeId, name: 'Cuisines solidaires' },
    dues: ['2026-04-30'],
  });
  const a4 = A.agreement(pMob, 'A-0004', { title: 'Résiliée', grantee: { name: '\tTab Org' }, dues: ['2026-01-31'] });
  o = [...a1.obligationIds, ...a2.obligationIds, ...a3.obligationIds, ...a4.obligationIds];
  for (const [c, id, due] of [
    [a1, o[0], '2026-03-31'],
    [a1, o[1], '2026-06-30'],
    [a1, o[2], '2026-09-30'],
    [a1, o[3], '2027-03-31'],
    [a2, o[4], '2026-02-28'],
    [a2, o[5], '2026-05-31'],
    [a2, o[6], '2026-08-31'],
    [a3, o[7], '2026-04-30'],
    [a4, o[8], '2026-01-31'],
  ] as const) {
    A.transition(c, id!, due, null, 'upcoming');
  }
  const note = (u: string, late: boolean) => ({
    evidence: { noteUrl: u, title: 'Note', publishedOn: '2026-03-01', late },
  });
  A.transition(a1, o[0]!, '2026-03-31', 'upcoming', 'fulfilled', note('https://praxis.example/notes/1', false));
  A.transition(a1, o[1]!, '2026-06-30', 'upcoming', 'overdue');
  A.transition(a1, o[1]!, '2026-06-30', 'overdue', 'fulfilled', note('https://praxis.example/notes/2', true));
  const o3overdue = A.transition(a1, o[2]!, '2026-09-30', 'upcoming', 'overdue');
  A.transition(a2, o[4]!, '2026-02-28', 'upcoming', 'waived', { reason: 'projet reporté' });
  A.transition(a2, o[5]!, '2026-05-31', 'upcoming', 'fulfilled', note('https://praxis.example/notes/6', false));
  A.transition(a2, o[6]!, '2026-12-31', 'upcoming', 'extended', { previousDueDate: '2026-08-31', reason: 'congé' });
  A.transition(a3, o[7]!, '2026-04-30', 'upcoming', 'overdue');
  A.events.push(
    envelope('agreement.terminated.v1', {
      agreementId: a4.agreementId,
      funderId: A.funderId,
      reason: 'fin anticipée',
      revision: 2,
      actor,
    }),
  );
  A.transition(a4, o[8]!, '2026-01-31', 'upcoming', 'cancelled', { reason: 'entente résiliée' });
  A.events.push(
    envelope('praxis.note.withdrawn.v1', {
      noteUrl: 'https://praxis.example/notes/6',
      noteId: '6',
      reason: 'gone',
      httpStatus: 410,
      at: new Date().toISOString(),
    }),
  );
  A.transition(a2, o[5]!, '2026-05-31', 'fulfilled', 'evidence_withdrawn', { reason: 'gone' });
  /** A reminder of the third obligation that the notifier could not deliver to one contact. */
  const failedReminder = (contactRef: string, email: string, permanent: boolean, reason: string) =>
    envelope('reminder.failed.v1', {
      reminderId: uuid(),
      runId: uuid(),
      obligationId: o[2]!,
      funderId: A.funderId,
      stageKey: 'D+7',
      contactRef,
      email,
      permanent,
      reason,
      at: new Date().toISOString(),
    });
  A.events.push(failedReminder('p_bad', 'bad@exemple.org', true, '550 5.1.1 <bad@exemple.org>: mailbox unavailable'));
  A.events.push(failedReminder('p_tmp', 'tmp@exemple.org', false, '451 try later'));
  replayable = [A.events[A.events.length - 1]!, o3overdue, A.events.find((e) => e.type === 'agreement.registered.v1')!];

  B.funder('Ministry of Culture', 'en');
  const pB = B.programme('CULT');
  const b1 = B.agreement(pB, 'B-0001', { title: 'Theatre', grantee: { name: 'Troupe' }, dues: ['2026-05-01'] });
  B.transition(b1, b1.obligationIds[0]!, '2026-05-01', null, 'fulfilled', {
    evidence: { noteUrl: 'https://praxis.example/b', title: 'b', publishedOn: null, late: false },
  });

  await publish(t.amqpUrl, [...A.events, ...B.events]);
  await eventually(
    async () =>
      (await db.query(`SELECT 1 FROM reports.contact_failure`)).rowCount &&
      (await db.query(`SELECT count(*)::int AS n FROM reports.obligation WHERE status IS NOT NULL`)).rows[0].n === 10,
    'read model caught up',
  );
  await eventually(
    async () => (await db.query(`SELECT count(*)::int AS n FROM reports.evidence_withdrawal`)).rows[0].n === 1,
    'withdrawal',
  );
});

afterAll(async () => {
  await stopService({ t, svc, db });
});

describe('compliance report: figures', () => {
  it('counts by status, the compliance rate (on time and late separately, waived excluded) and the lists, in JSON', async () => {
    const r = await json(`/v1/reports/compliance?asOf=${asOf}`);
    expect(r.locale).toBe('fr');
    expect(r.totals).toMatchObject({
      obligations: 9,
      dueByAsOf: 5,
      fulfilledOnTime: 1,
      fulfilledLate: 1,
      overdue: 3,
      waived: 1,
      cancelled: 1,
      complianceRate: 0.4,
      onTimeRate: 0.2,
    });
    expect(r.totals.byStatus).toEqual({
      upcoming: 1,
      due_soon: 0,
      overdue: 2,
      fulfilled: 2,
      extended: 1,
      waived: 1,
      cancelled: 1,
      evidence_withdrawn: 1,
    });
    expect(r.definition.fr).toContain('dispensées');
    expect(r.definition.en).toContain('Waived obligations');
    expect(r.overdue.map((x) => x.obligationId).sort()).toEqual([o[2], o[5], o[7]].sort());
    expect(r.withdrawnEvidence).toEqual([
      expect.objectContaining({
        obligationId: o[5],
        noteUrl: 'https://praxis.example/notes/6',
        referenceCode: 'A-0002',
      }),
    ]);
    expect(r.failingContacts).toEqual([
      expect.objectContaining({ email: 'bad@exemple.org', granteeName: 'Cuisines solidaires', failures: 1 }),
    ]);
    const g1 = r.grantees.find((g) => g.name === 'Cuisines solidaires')!;
    expect(g1).toMatchObject({
      agreements: 2,
      obligations: 5,
      dueByAsOf: 4,
      fulfilledOnTime: 1,
      fulfilledLate: 1,
      overdue: 2,
      complianceRate: 0.5,
    });
    expect(r.byMonth.map((m) => m.month)).toContain('2026-12');
  });

  it('agrees with the read model (direct SQL over reports.obligation)', async () => {
    const r = await json(`/v1/reports/compliance?asOf=${asOf}`);
    const { rows } = await db.query<{ status: string; n: number }>(
      `SELECT COALESCE(status, 'upcoming') AS status, count(*)::int AS n FROM reports.obligation WHERE funder_id = $1 GROUP BY 1`,
      [A.funderId],
    );
    const fromSql = Object.fromEntries(STATUSES.map((s) => [s, rows.find((x) => x.status === s)?.n ?? 0]));
    expect(r.totals.byStatus).toEqual(fromSql);
    const due = await db.query(
      `SELECT count(*)::int AS n FROM reports.obligation WHERE funder_id = $1 AND due_date <= $2 AND status NOT IN ('waived','cancelled')`,
      [A.funderId, asOf],
    );
    expect(r.totals.dueByAsOf).toBe(due.rows[0].n);
  });

  it('filters by programme code (and by id), and answers 404 for a programme the caller cannot see', async () => {
    const mob = await json(`/v1/reports/compliance?asOf=${asOf}&programme=MOB`);
    expect(mob.totals.obligations).toBe(8);
    expect(mob.scope.programme).toEqual({ code: 'MOB', name: 'Mobilisation' });
    expect((await json(`/v1/reports/compliance?asOf=${asOf}&programme=${pMob}`)).totals.obligations).toBe(8);
    expect((await get(`/v1/reports/compliance?programme=MOB`, funderB)).status).toBe(404);
    expect((await get(`/v1/reports/compliance?programme=NOPE`, funderA)).status).toBe(404);
  });

  it('agree across json, csv, html and pdf', async () => {
    const r = await json(`/v1/reports/compliance?asOf=${asOf}`);
    // CSV: one row per obligation, the classification columns count what the JSON counts
    const csvRes = await get(`/v1/reports/compliance?asOf=${asOf}&format=csv`, funderA);
    expect(csvRes.headers.get('content-type')).toContain('text/csv');
    const csv = Buffer.from(await csvRes.arrayBuffer());
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = csv
      .toString('utf8')
      .slice(1)
      .trim()
      .split('\r\n')
      .map((l) => l.split(';'));
    // the last row is the funder's audit chain head (label, seq, hash, when read), not an obligation
    const body = lines.slice(1, -1);
    expect(lines.at(-1)).toEqual([
      "Tête de la chaîne d'audit",
      String(r.auditHead!.seq),
      r.auditHead!.hash,
      expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/), // when this request read it
    ]);
    expect(body).toHaveLength(r.totals.obligations);
    const col = (name: string) => lines[0]!.indexOf(name);
    for (const s of STATUSES) expect(body.filter((l) => l[col('Code statut')] === s).length).toBe(r.totals.byStatus[s]);
    expect(body.filter((l) => l[col('Échue')] === 'oui').length).toBe(r.totals.dueByAsOf);
    expect(body.filter((l) => l[col('Remplie')] === 'on_time').length).toBe(r.totals.fulfilledOnTime);
    expect(body.filter((l) => l[col('Remplie')] === 'late').length).toBe(r.totals.fulfilledLate);
    expect(body.filter((l) => l[col('En souffrance')] === 'oui').length).toBe(r.overdue.length);

    // HTML: the same figures, formatted
    const html = await (await get(`/v1/reports/compliance?asOf=${asOf}&format=html`, funderA)).text();
    expect(html).toContain(formatRate(0.4, 'fr'));
    expect(html).toContain(`<th scope="row">Remplies à temps</th><td class="num">${formatInt(1, 'fr')}</td>`);
    expect(html).toContain(`<th scope="row">Obligations (total)</th><td class="num">9</td>`);
    expect(html).toContain(`Obligations en souffrance (${r.overdue.length})`);
    const overdueSection = html.slice(
      html.indexOf('<h2 id="over">'),
      html.indexOf('</section>', html.indexOf('<h2 id="over">')),
    );
    expect((overdueSection.match(/<tr><th scope="row">A-000\d<\/th>/g) ?? []).length).toBe(r.overdue.length);

    // PDF: a real PDF over HTTP; what pdftotext reads carries the same figures
    const pdfRes = await get(`/v1/reports/compliance?asOf=${asOf}&format=pdf`, funderA);
    expect(pdfRes.headers.get('content-type')).toBe('application/pdf');
    const pdf = Buffer.from(await pdfRes.arrayBuffer());
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.toString('latin1')).toContain('/FontFile2'); // the TTF is embedded
    const pdfLines = pdfText(pdf).split('\n');
    expect(pdfLines).toContain(`Taux de conformité ${formatRate(r.totals.complianceRate, 'fr')}`);
    expect(pdfLines).toContain(`Remplies à temps ${r.totals.fulfilledOnTime}`);
    expect(pdfLines).toContain(`Remplies en retard ${r.totals.fulfilledLate}`);
    expect(pdfLines).toContain(`Obligations (total) ${r.totals.obligations}`);
    for (const s of ['En retard', 'Dispensée', 'Annulée'])
      expect(pdfLines.some((l) => l.startsWith(`${s} `))).toBe(true);
    expect(pdfLines).toContain(`Obligations en souffrance (${r.overdue.length})`);
    for (const o of r.overdue) expect(flat(pdfLines.join(' '))).toContain(`${o.referenceCode} ${o.externalRef}`);
  });

  it('neutralises formula injection in CSV cells', async () => {
    const csv = await (await get(`/v1/reports/compliance?asOf=${asOf}&format=csv`, funderA)).text();
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example"")"`);
    expect(csv).toContain(";'@Groupe;");
    expect(csv).toContain(";'-2+3;");
    expect(csv).toContain(";'\tTab Org;");
    expect(csv).not.toMatch(/[;\n]=HYPERLINK/);
  });

  it('speaks the funder’s language: an English funder gets an English page', async () => {
    const html = await (await get(`/v1/reports/compliance?format=html&asOf=${asOf}`, funderB)).text();
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('Compliance rate');
    const fr = await (await get(`/v1/reports/compliance?format=html&asOf=${asOf}`, funderA)).text();
    expect(fr).toContain('<html lang="fr">');
    expect(fr).toMatch(/<svg[^>]+role="img"/);
    expect(fr).toContain('<caption>');
  });
});

describe('compliance report and audit: tenancy and roles', () => {
  const routes = [
    `/v1/reports/compliance?asOf=${asOf}`,
    `/v1/audit/events?funderId=${A.funderId}`,
    `/v1/audit/verify?funderId=${A.funderId}`,
  ];

  it('another tenant gets 404 on every route', async () => {
    const auditorOfB = asPrincipal({ role: 'auditor', funderIds: [B.funderId] });
    expect((await get(`/v1/reports/compliance?funderId=${A.funderId}`, funderB)).status).toBe(404);
    expect((await get(`/v1/reports/compliance?funderId=${A.funderId}`, auditorOfB)).status).toBe(404);
    expect((await get(`/v1/audit/events?funderId=${A.funderId}`, funderB)).status).toBe(404);
    expect((await get(`/v1/audit/events?funderId=${A.funderId}`, auditorOfB)).status).toBe(404);
    expect((await get(`/v1/audit/verify?funderId=${A.funderId}`, funderB)).status).toBe(404);
    expect((await get(`/v1/audit/verify?funderId=${A.funderId}`, auditorOfB)).status).toBe(404);
    // and B's own report holds nothing of A
    const r = await json(`/v1/reports/compliance?asOf=${asOf}`, funderB);
    expect(r.totals.obligations).toBe(1);
    expect(r.scope.funders.map((f) => f.id)).toEqual([B.funderId]);
  });

  it('auditors read keyed pseudonyms where funders read contact emails (JSON and HTML)', async () => {
    const auditor = asPrincipal({ role: 'auditor', funderIds: [A.funderId] });
    const own = await json(`/v1/reports/compliance?asOf=${asOf}`, funderA);
    expect(own.failingContacts).toEqual([expect.objectContaining({ email: 'bad@exemple.org' })]);
    expect(await (await get(`/v1/reports/compliance?asOf=${asOf}&format=html`, funderA)).text()).toContain(
      'bad@exemple.org',
    );

    const seen = await json(`/v1/reports/compliance?asOf=${asOf}`, auditor);
    const text = JSON.stringify(seen);
    expect(text).not.toContain('bad@exemple.org');
    const [c] = seen.failingContacts;
    // the person key every service shares: the auditor reads the name the audit trail gives the contact
    const key = derivePseudonymKey(t.env.INTERNAL_SECRET!, 'person');
    expect(c).toMatchObject({ email: keyedPseudonym(key, 'bad@exemple.org'), granteeName: 'Cuisines solidaires' });
    expect(c!.email).toMatch(/^k_[0-9a-f]{16}$/);
    expect(c!.contactRef).toBe(c!.email); // not the bare SHA-256 the events carry
    expect(c!.reason).toBe(`550 5.1.1 <${c!.email}>: mailbox unavailable`);
    expect(text).not.toContain(pseudonymize('bad@exemple.org'));
    expect(text).not.toContain('p_bad');
    // the same address is the same pseudonym from one request to the next
    expect((await json(`/v1/reports/compliance?asOf=${asOf}`, auditor)).failingContacts[0]!.email).toBe(c!.email);
    const html = await (await get(`/v1/reports/compliance?asOf=${asOf}&format=html`, auditor)).text();
    expect(html).not.toContain('bad@exemple.org');
    expect(html).toContain(c!.email);
  });

  it('an auditor reads its whole scope by default, or one funder of it', async () => {
    const auditor = asPrincipal({ role: 'auditor', funderIds: [A.funderId, B.funderId] });
    expect((await json(`/v1/reports/compliance?asOf=${asOf}`, auditor)).totals.obligations).toBe(10);
    expect((await json(`/v1/reports/compliance?asOf=${asOf}&funderId=${B.funderId}`, auditor)).totals.obligations).toBe(
      1,
    );
    expect((await get(`/v1/audit/verify?funderId=${A.funderId}`, auditor)).status).toBe(200);
  });

  it('a wrong role gets 403 on every route', async () => {
    for (const role of ['grantee', 'admin'] as const) {
      const h = asPrincipal({ role, granteeId: role === 'grantee' ? uuid() : undefined });
      for (const r of routes) expect({ r, role, status: (await get(r, h)).status }).toEqual({ r, role, status: 403 });
    }
  });

  it('refuses an unsigned caller (401) and a malformed query (422)', async () => {
    expect((await get(routes[0]!, {})).status).toBe(401);
    const unknown = await get(`/v1/reports/compliance?colour=red`, funderA);
    expect(unknown.status).toBe(422);
    expect(((await unknown.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual([
      'query.colour',
    ]);
    for (const [query, path] of [
      ['asOf=2026-13-45', 'query.asOf'],
      ['asOf=2026-1-1', 'query.asOf'],
      ['format=xlsx', 'query.format'],
    ]) {
      const bad = await get(`/v1/reports/compliance?${query}`, funderA);
      expect(bad.status).toBe(422);
      expect(bad.headers.get('content-type')).toContain('application/problem+json');
      expect(((await bad.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual([path]);
    }
    const noFunder = await get(`/v1/audit/verify`, funderA);
    expect(noFunder.status).toBe(422);
    expect(((await noFunder.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual([
      'query.funderId',
    ]);
  });
});

describe('read model: idempotent and order-tolerant', () => {
  it('a replayed event (same id) changes nothing; a stale transition does not overwrite a newer status', async () => {
    const before = await json(`/v1/reports/compliance?asOf=${asOf}`);
    const auditBefore = await auditCount(A.funderId);
    const stale = envelope('obligation.transitioned.v1', {
      obligationId: o[0]!,
      agreementId: (replayable[2]!.data as { agreementId: string }).agreementId,
      funderId: A.funderId,
      programmeId: pMob,
      granteeId: (replayable[2]!.data as { grantee: { id: string } }).grantee.id,
      kind: 'learning_note',
      dueDate: '2026-03-31',
      from: null,
      to: 'upcoming',
      reason: null,
      at: '2020-01-01T00:00:00.000Z',
      actor,
    });
    const marker = B.programme('MARKER');
    await publish(t.amqpUrl, [...replayable, stale, B.events[B.events.length - 1]!]);
    await eventually(
      async () => (await db.query('SELECT 1 FROM reports.programme WHERE id = $1', [marker])).rowCount,
      'marker applied',
    );
    const after = await json(`/v1/reports/compliance?asOf=${asOf}`);
    expect({ ...after, generatedAt: '', auditHead: null }).toEqual({ ...before, generatedAt: '', auditHead: null });
    // the published head moved by that one entry
    expect(after.auditHead!.seq).toBe(before.auditHead!.seq + 1);
    // the stale transition is a recorded change (+1); the replays are not
    expect(await auditCount(A.funderId)).toBe(auditBefore + 1);
    const status = await db.query(
      'SELECT status, failures FROM reports.obligation o, reports.contact_failure c WHERE o.id = $1',
      [o[0]],
    );
    expect(status.rows[0]).toEqual({ status: 'fulfilled', failures: 1 });
  });
});

describe('read model: a poison event in a batch', () => {
  it('does not hold back the events batched with it: they apply, it is retried then dead-lettered', async () => {
    const W = new World();
    W.funder('Poison', 'fr');
    const p = W.programme('P');
    const good = W.agreement(p, 'G-1', { title: 'ok', grantee: { name: 'g' }, dues: ['2026-01-01'] });
    const bad = W.agreement(p, 'X-1', { title: 'bad', grantee: { name: 'x' }, dues: ['2026-01-01'] });
    // the same obligation twice in one snapshot: valid JSON, but no upsert can apply it
    const badEvent = W.events.pop()!;
    (badEvent.data as { obligations: unknown[] }).obligations.push(
      (badEvent.data as { obligations: unknown[] }).obligations[0],
    );
    const after = W.programme('AFTER');
    await publish(t.amqpUrl, [W.events[0]!, W.events[1]!, W.events[2]!, badEvent, W.events[3]!]);
    await eventually(
      async () => (await db.query('SELECT 1 FROM reports.programme WHERE id = $1', [after])).rowCount,
      'events after the poison applied',
    );
    expect((await db.query('SELECT 1 FROM reports.agreement WHERE id = $1', [good.agreementId])).rowCount).toBe(1);
    const amqp = await import('amqplib');
    const conn = await amqp.connect(t.amqpUrl);
    const ch = await conn.createChannel();
    try {
      await eventually(
        async () => (await ch.checkQueue('reports.events.dlq')).messageCount === 1,
        'poison dead-lettered',
        20_000,
      );
    } finally {
      await conn.close();
    }
    expect((await db.query('SELECT 1 FROM reports.agreement WHERE id = $1', [bad.agreementId])).rowCount).toBe(0);
  });
});
