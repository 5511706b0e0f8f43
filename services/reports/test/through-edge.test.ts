import { eventually, testEnv, TEST_ADMIN_TOKEN, type TestEnv } from '@pc/testkit';
import { startEdge, type RunningEdge } from '../../edge/src/main';
import { loadEdgeConfig } from '../../edge/src/config';
import { startReports, type RunningService } from '../src/main';
import { loadReportsConfig } from '../src/config';

// jest.config.js sets testTimeout inside `projects`, where Jest 30 ignores it (global option)
jest.setTimeout(60_000);

// The public path: bearer token at the edge → signed principal → reports; events from the edge's
// outbox (funder registered, key created/revoked) reach the read model and the audit chain.
let t: TestEnv;
let edge: RunningEdge;
let reports: RunningService;
let base: string;
const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' };

beforeAll(async () => {
  t = await testEnv();
  reports = await startReports(loadReportsConfig(t.env));
  edge = await startEdge(loadEdgeConfig({ ...t.env, REPORTS_URL: `http://127.0.0.1:${reports.port}` }));
  base = `http://127.0.0.1:${edge.port}`;
});
afterAll(async () => {
  await edge?.stop();
  await reports?.stop();
  t?.cleanup();
});

const post = async <T>(path: string, body: unknown): Promise<T> => {
  const res = await fetch(base + path, { method: 'POST', headers: admin, body: JSON.stringify(body) });
  expect(res.status).toBe(201);
  return (await res.json()) as T;
};

it('serves reports and the audit trail through the edge, from events the edge emitted', async () => {
  const f1 = await post<{ id: string }>('/v1/funders', {
    name: 'Fondation Un',
    kind: 'foundation',
    locale: 'en',
    reportRecipients: ['r@un.example'],
  });
  const f2 = await post<{ id: string }>('/v1/funders', { name: 'Fondation Deux', kind: 'foundation' });
  const k1 = await post<{ id: string; token: string }>('/v1/api-keys', {
    role: 'funder',
    funderId: f1.id,
    label: 'un',
  });
  const k2 = await post<{ id: string; token: string }>('/v1/api-keys', {
    role: 'funder',
    funderId: f2.id,
    label: 'deux',
  });
  const aud = await post<{ id: string; token: string }>('/v1/api-keys', {
    role: 'auditor',
    funderIds: [f1.id],
    label: 'vérif',
  });
  const as = (token: string) => ({ authorization: `Bearer ${token}` });

  const report = await eventually(async () => {
    const res = await fetch(`${base}/v1/reports/compliance`, { headers: as(k1.token) });
    const body = (await res.json()) as { scope: { funders: { name: string }[] }; locale: string };
    return body.scope?.funders?.length ? body : null;
  }, 'funder in the read model');
  expect(report).toMatchObject({ locale: 'en', scope: { funders: [{ name: 'Fondation Un' }] } });

  const csv = await fetch(`${base}/v1/reports/compliance?format=csv`, { headers: as(k1.token) });
  expect(csv.headers.get('content-disposition')).toContain('compliance-report-');

  const lines = await eventually(async () => {
    const res = await fetch(`${base}/v1/audit/events?funderId=${f1.id}`, { headers: as(aud.token) });
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    const l = (await res.text())
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((x) => JSON.parse(x) as { type: string; subject: string; head?: { seq: number } });
    // the last line is the trailer: the head read with the entries
    expect(l.at(-1)).toMatchObject({ type: 'audit.head', head: { seq: l.length - 1 } });
    return l.length >= 4 ? l.slice(0, -1) : null;
  }, 'audit entries');
  expect(lines.map((l) => l.type)).toEqual(['funder.registered.v1', 'api_key.created.v1', 'api_key.created.v1']);
  expect(lines.map((l) => l.subject)).toEqual([f1.id, k1.id, aud.id]);
  const v = await (await fetch(`${base}/v1/audit/verify?funderId=${f1.id}`, { headers: as(aud.token) })).json();
  expect(v).toEqual({ intact: true, events: 3 });

  // another tenant: 404 through the edge too
  expect((await fetch(`${base}/v1/audit/verify?funderId=${f1.id}`, { headers: as(k2.token) })).status).toBe(404);
  expect((await fetch(`${base}/v1/reports/compliance?funderId=${f1.id}`, { headers: as(k2.token) })).status).toBe(404);
  // wrong role: 403
  expect((await fetch(`${base}/v1/reports/compliance`, { headers: admin })).status).toBe(403);
});
