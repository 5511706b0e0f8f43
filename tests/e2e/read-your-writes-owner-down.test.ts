import { eventually, isAlive, killHard } from '@pc/testkit';
import { ADMIN, json, startSystem, type System } from './system';

// The owner of the ids (the agreements service, a process of its own here) is killed. What the other
// services already have is still served; an id they do not have can no longer be told apart ("not
// yet" or "never"), so it is a 503 with Retry-After — never a 404 — and so is another tenant's id,
// which must look exactly like an unknown one.
let sys: System;
beforeAll(async () => {
  sys = await startSystem({ processes: ['agreements'] });
}, 180_000);
afterAll(async () => {
  await sys?.stop();
});

const UNKNOWN = '0b8e6c1d-2f4a-4d7b-8e3c-5a9f1b2c3d4e';
const key = async (body: Record<string, unknown>): Promise<string> =>
  (await json<{ token: string }>(await sys.call('POST', '/v1/api-keys', ADMIN, { label: 'k', ...body }), 201)).token;

async function tenant(name: string, code: string, email: string) {
  const f = await json<{ id: string }>(await sys.call('POST', '/v1/funders', ADMIN, { name, kind: 'foundation' }), 201);
  const token = await key({ role: 'funder', funderId: f.id });
  expect((await sys.call('POST', '/v1/programmes', token, { code, name: code })).status).toBe(201);
  const ag = await json<{ id: string; grantee: { id: string }; obligations: { id: string }[] }>(
    await sys.call('POST', '/v1/agreements', token, {
      externalRef: `${code}-1`,
      programmeCode: code,
      title: 'Entente',
      startDate: '2027-01-01',
      endDate: '2027-12-31',
      grantee: { name: `Organisme ${code}`, contacts: [{ name: 'Contact', email }] },
      requirements: [{ kind: 'learning_note', count: 2, due: { anchor: 'end', offset: 'P90D' } }],
    }),
    201,
  );
  const grantee = await key({ role: 'grantee', granteeId: ag.grantee.id });
  return { token, grantee, ag };
}

it('answers 503 with Retry-After, not 404, for ids it cannot check while their owner is down', async () => {
  const A = await tenant('Fondation A', 'DOWN-A', 'a@example.org');
  const B = await tenant('Fondation B', 'DOWN-B', 'b@example.org');
  const [oblA, oblA2] = A.ag.obligations.map((o) => o.id);
  // everything the test reads below has reached the services that answer it (read your writes: at once)
  expect((await sys.call('GET', `/v1/obligations/${oblA}`, A.token)).status).toBe(200);
  expect((await sys.call('PUT', '/v1/me/contacts/a@example.org/preferences', A.grantee, { locale: 'en' })).status).toBe(
    200,
  );
  expect((await sys.call('GET', '/v1/reports/compliance?programme=DOWN-A', A.token)).status).toBe(200);

  const owner = sys.processes.agreements!;
  const pid = owner.pid!;
  await killHard(owner);
  expect(isAlive(pid)).toBe(false);
  // the edge's own route to the dead service says so, with a delay too
  await eventually(
    async () => (await sys.call('GET', `/v1/agreements/${A.ag.id}`, A.token)).status === 503,
    'agreements unreachable through the edge',
  );

  const expect503 = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await sys.call(method, path, token, body);
    const text = await res.text();
    expect([method, path, res.status, res.headers.get('retry-after')]).toEqual([method, path, 503, '5']);
    expect(JSON.parse(text)).toMatchObject({ status: 503 });
  };
  // unknown ids: "not yet" cannot be told from "never"
  await expect503('GET', `/v1/obligations/${UNKNOWN}`, A.token);
  await expect503('POST', `/v1/obligations/${UNKNOWN}/waiver`, A.token, { reason: 'x' });
  await expect503('POST', `/v1/obligations/${UNKNOWN}/extension`, A.token, { newDueDate: '2029-06-30', reason: 'x' });
  await expect503('POST', `/v1/obligations/${UNKNOWN}/evidence`, A.grantee, { url: sys.simulator.noteUrl('abc') });
  await expect503('GET', '/v1/reports/compliance?programme=NO-SUCH', A.token);
  await expect503('PUT', '/v1/me/contacts/nobody@example.org/preferences', A.grantee, { locale: 'en' });
  // another tenant's ids, although known here, answer exactly as unknown ones do
  await expect503('GET', `/v1/obligations/${oblA}`, B.token);
  await expect503('POST', `/v1/obligations/${oblA}/waiver`, B.token, { reason: 'x' });
  await expect503('POST', `/v1/obligations/${oblA}/evidence`, B.grantee, { url: sys.simulator.noteUrl('abc') });
  await expect503('GET', '/v1/reports/compliance?programme=DOWN-A', B.token);
  await expect503('PUT', '/v1/me/contacts/a@example.org/preferences', B.grantee, { locale: 'en' });

  // what the services have is still served, changes included
  expect((await sys.call('GET', `/v1/obligations/${oblA}`, A.token)).status).toBe(200);
  const waived = await sys.call('POST', `/v1/obligations/${oblA2}/waiver`, A.token, { reason: 'projet annulé' });
  expect([waived.status, ((await waived.json()) as { status: string }).status]).toEqual([200, 'waived']);
  expect((await sys.call('GET', '/v1/reports/compliance?programme=DOWN-A', A.token)).status).toBe(200);
  expect((await sys.call('PUT', '/v1/me/contacts/a@example.org/preferences', A.grantee, { locale: 'fr' })).status).toBe(
    200,
  );
}, 300_000);
