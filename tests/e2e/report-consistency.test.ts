import { obligationStatus } from '@pc/contracts';
import { eventually } from '@pc/testkit';
import { ADMIN, json, startSystem, type System } from './system';
import { apiKey, createProgramme, registerFunder } from './scenario';

// The compliance report is built by another service from events; its figures must agree with what
// the obligations service answers on GET /v1/obligations, and across json, csv and html.
let sys: System;
beforeAll(async () => {
  sys = await startSystem();
}, 120_000);
afterAll(async () => {
  await sys?.stop();
});

const STATUSES = obligationStatus.options;

it('report figures agree with GET /v1/obligations and across formats', async () => {
  const funder = await registerFunder(sys, { name: 'Fonds de recherche du Québec', kind: 'research_fund' });
  const key = await apiKey(sys, { role: 'funder', funderId: funder.id, label: 'frq' });
  await createProgramme(sys, key, { code: 'SAVOIRS', name: 'Savoirs ouverts' });
  // Due dates spread around the evaluation day so every open class appears.
  const dues = ['2027-03-01', '2027-05-20', '2027-06-10', '2027-09-30', '2027-12-31', '2027-04-15'];
  const ids: string[] = [];
  for (const [i, due] of dues.entries()) {
    const a = await json<{ obligations: { id: string }[] }>(
      await sys.call('POST', '/v1/agreements', key, {
        externalRef: `FRQ-${i}`,
        programmeCode: 'SAVOIRS',
        title: `Projet ${i}`,
        startDate: '2027-01-01',
        endDate: '2027-12-31',
        grantee: { name: `Organisme ${i}`, contacts: [{ name: `Contact ${i}`, email: `c${i}@example.org` }] },
        requirements: [{ kind: 'learning_note', count: 1, due: { date: due } }],
      }),
      201,
    );
    ids.push(a.obligations[0]!.id);
  }
  await eventually(
    async () =>
      (await json<{ data: unknown[] }>(await sys.call('GET', '/v1/obligations?limit=500', key))).data.length ===
      dues.length,
    'obligations tracked',
  );
  await json(
    await sys.call('POST', `/v1/obligations/${ids[5]}/waiver`, key, { reason: 'Projet annulé par le conseil' }),
  );
  const job = await json<{ id: string }>(
    await sys.call('POST', '/v1/jobs/evaluate', ADMIN, { asOf: '2027-06-01' }),
    202,
  );
  await eventually(
    async () =>
      (await json<{ status: string }>(await sys.call('GET', `/v1/jobs/${job.id}`, ADMIN))).status === 'succeeded',
    'evaluation',
  );

  const fromApi = async (): Promise<Record<string, number>> => {
    const out: Record<string, number> = {};
    for (const s of STATUSES)
      out[s] = (
        await json<{ data: unknown[] }>(await sys.call('GET', `/v1/obligations?status=${s}&limit=500`, key))
      ).data.length;
    return out;
  };
  const api = await fromApi();
  expect(api).toMatchObject({ overdue: 2, due_soon: 1, upcoming: 2, waived: 1 }); // as of 2027-06-01
  const report = await eventually(
    async () => {
      const r = await json<{ totals: { byStatus: Record<string, number> }; overdue: unknown[] }>(
        await sys.call('GET', '/v1/reports/compliance?format=json&asOf=2027-06-01', key),
      );
      return JSON.stringify(r.totals.byStatus) === JSON.stringify({ ...r.totals.byStatus, ...api }) && r;
    },
    'report caught up with the obligations service',
    20_000,
  );
  for (const s of STATUSES) expect(report.totals.byStatus[s] ?? 0).toBe(api[s]);
  expect(report.overdue).toHaveLength(api.overdue!);

  const bytes = Buffer.from(
    await (await sys.call('GET', '/v1/reports/compliance?format=csv&asOf=2027-06-01', key)).arrayBuffer(),
  );
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // BOM for French Excel (fetch's text() would strip it)
  const csv = bytes.subarray(3).toString('utf8');
  const lines = csv.trim().split(/\r?\n/).slice(1);
  // the last row is the funder's audit chain head (a published anchor), after one row per obligation
  const rows = lines.slice(0, -1);
  expect(lines.at(-1)).toMatch(/^Tête de la chaîne d'audit;\d+;[0-9a-f]{64};/);
  expect(rows).toHaveLength(dues.length);
  const html = await (await sys.call('GET', '/v1/reports/compliance?format=html&asOf=2027-06-01', key)).text();
  expect(html).toContain('lang="fr"');
  for (const id of ids) expect(csv).toContain(id);
  const pdf = await sys.call('GET', '/v1/reports/compliance?format=pdf&asOf=2027-06-01', key);
  expect(pdf.headers.get('content-type')).toContain('application/pdf');
  expect(
    Buffer.from(await pdf.arrayBuffer())
      .subarray(0, 5)
      .toString(),
  ).toBe('%PDF-');
}, 180_000);
