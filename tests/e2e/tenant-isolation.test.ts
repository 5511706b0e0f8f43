import { eventually } from '@pc/testkit';
import { ADMIN, json, startSystem, type System } from './system';
import { apiKey, createProgramme, registerFunder } from './scenario';

// Every public route, called with another tenant's credentials on funder A's objects: 404 (never 403,
// which would reveal that the object exists), lists without A's rows, and nothing changed.
let sys: System;
beforeAll(async () => {
  sys = await startSystem();
}, 120_000);
afterAll(async () => {
  await sys?.stop();
});

const key = (body: Record<string, unknown>): Promise<string> => apiKey(sys, body);

async function registerAgreement(token: string, code: string, ref: string, grantee: string, email: string) {
  await createProgramme(sys, token, { code });
  return json<{ id: string; referenceCode: string; grantee: { id: string }; obligations: { id: string }[] }>(
    await sys.call('POST', '/v1/agreements', token, {
      externalRef: ref,
      programmeCode: code,
      title: `Projet ${ref}`,
      startDate: '2027-01-01',
      endDate: '2027-12-31',
      grantee: { name: grantee, contacts: [{ name: 'Contact', email }] },
    }),
    201,
  );
}

it("another tenant gets 404 on every route that names funder A's objects, and sees none of them in lists", async () => {
  const A = await registerFunder(sys, { name: 'Fondation A' });
  const B = await registerFunder(sys, { name: 'Fondation B' });
  const funderA = await key({ role: 'funder', funderId: A.id });
  const funderB = await key({ role: 'funder', funderId: B.id });
  const auditorB = await key({ role: 'auditor', funderIds: [B.id] });
  const agA = await registerAgreement(funderA, 'PROG-A', 'A-1', 'Organisme A', 'a@example.org');
  const agB = await registerAgreement(funderB, 'PROG-B', 'B-1', 'Organisme B', 'b@example.org');
  const granteeB = await key({ role: 'grantee', granteeId: agB.grantee.id });
  const oblA = agA.obligations[0]!.id;
  await eventually(
    async () => (await sys.call('GET', `/v1/obligations/${oblA}`, funderA)).status === 200,
    "A's obligation tracked",
  );
  await eventually(
    async () => (await sys.call('GET', `/v1/audit/verify?funderId=${A.id}`, funderA)).status === 200,
    "A's audit chain",
  );

  const notFound: Array<[string, string, string, unknown?]> = [
    [funderB, 'GET', `/v1/agreements/${agA.id}`],
    [auditorB, 'GET', `/v1/agreements/${agA.id}`],
    [funderB, 'PATCH', `/v1/agreements/${agA.id}`, { endDate: '2028-06-30' }],
    [funderB, 'POST', `/v1/agreements/${agA.id}/terminate`, { reason: 'x' }],
    [funderB, 'GET', `/v1/obligations/${oblA}`],
    [auditorB, 'GET', `/v1/obligations/${oblA}`],
    [granteeB, 'GET', `/v1/obligations/${oblA}`],
    [funderB, 'POST', `/v1/obligations/${oblA}/extension`, { newDueDate: '2029-01-01', reason: 'x' }],
    [funderB, 'POST', `/v1/obligations/${oblA}/waiver`, { reason: 'x' }],
    [granteeB, 'POST', `/v1/obligations/${oblA}/evidence`, { url: `${sys.simulator.baseUrl}/n/abc/` }],
    [granteeB, 'PUT', '/v1/me/contacts/a@example.org/preferences', { locale: 'en' }],
    [funderB, 'GET', '/v1/reports/compliance?programme=PROG-A'],
    [auditorB, 'GET', `/v1/reports/compliance?funderId=${A.id}`],
    [funderB, 'GET', `/v1/audit/events?funderId=${A.id}`],
    [auditorB, 'GET', `/v1/audit/events?funderId=${A.id}`],
    [funderB, 'GET', `/v1/audit/verify?funderId=${A.id}`],
    [auditorB, 'GET', `/v1/audit/verify?funderId=${A.id}`],
  ];
  for (const [token, method, path, body] of notFound) {
    const res = await sys.call(method, path, token, body);
    expect([method, path, res.status]).toEqual([method, path, 404]);
  }

  const lists: Array<[string, string]> = [
    [funderB, '/v1/agreements'],
    [auditorB, '/v1/agreements'],
    [funderB, '/v1/obligations'],
    [auditorB, '/v1/obligations'],
    [funderB, '/v1/programmes'],
    [granteeB, '/v1/me/obligations'],
  ];
  for (const [token, path] of lists) {
    const text = await (await sys.call('GET', path, token)).text();
    expect(text).not.toContain(agA.id);
    expect(text).not.toContain(oblA);
    expect(text).not.toContain('PROG-A');
  }
  const ics = await (await sys.call('GET', '/v1/me/calendar.ics', granteeB)).text();
  expect(ics).toContain('BEGIN:VCALENDAR');
  expect(ics).not.toContain(agA.referenceCode);

  // Nothing the other tenant tried changed A's data.
  const a = await json<{ status: string; endDate: string }>(await sys.call('GET', `/v1/agreements/${agA.id}`, funderA));
  expect(a).toMatchObject({ status: 'active', endDate: '2027-12-31' });
  const o = await json<{ status: string }>(await sys.call('GET', `/v1/obligations/${oblA}`, funderA));
  expect(['upcoming', 'due_soon', 'overdue']).toContain(o.status);
  // Jobs are the operator's: a funder is refused (403), not shown another tenant's data.
  const job = await json<{ id: string }>(await sys.call('POST', '/v1/jobs/praxis-sync', ADMIN), 202);
  expect((await sys.call('GET', `/v1/jobs/${job.id}`, funderB)).status).toBe(403);
}, 180_000);
