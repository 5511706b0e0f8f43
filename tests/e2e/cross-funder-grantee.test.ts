import { eventually } from '@pc/testkit';
import { ADMIN, json, startSystem, type System } from './system';
import { apiKey, createProgramme, registerFunder } from './scenario';

// Through the public base URL: a NEQ typed by funder B no longer joins funder A's grantee (B's
// contact could then set A's grantee's preferences); only an admin's link makes them one
// organisation, and then the grantee's key sees both funders' obligations. Also: the edge's own
// routes refuse control characters like the services behind it.
jest.setTimeout(180_000);
let sys: System;
beforeAll(async () => {
  sys = await startSystem();
}, 120_000);
afterAll(async () => {
  await sys?.stop();
});

const NEQ = '1166338855';
const key = (body: Record<string, unknown>): Promise<string> => apiKey(sys, body);

type Created = { id: string; grantee: { id: string }; obligations: { id: string }[] };
async function registerAgreement(token: string, code: string, ref: string, email: string): Promise<Created> {
  await createProgramme(sys, token, { code });
  return json<Created>(
    await sys.call('POST', '/v1/agreements', token, {
      externalRef: ref,
      programmeCode: code,
      title: `Projet ${ref}`,
      startDate: '2027-01-01',
      endDate: '2027-12-31',
      grantee: { name: 'Organisme partagé', neq: NEQ, contacts: [{ name: 'Contact', email }] },
    }),
    201,
  );
}
const myObligations = async (token: string): Promise<string[]> =>
  (await json<{ data: { id: string }[] }>(await sys.call('GET', '/v1/me/obligations?limit=500', token))).data
    .map((o) => o.id)
    .sort();

it('funder B naming A’s grantee NEQ stays apart until an admin links them; then the grantee sees both', async () => {
  const A = await registerFunder(sys, { name: 'Fondation A' });
  const B = await registerFunder(sys, { name: 'Fondation B' });
  const funderA = await key({ role: 'funder', funderId: A.id });
  const funderB = await key({ role: 'funder', funderId: B.id });
  const agA = await registerAgreement(funderA, 'PROG-A', 'A-1', 'claire@orga.example');
  const agB = await registerAgreement(funderB, 'PROG-B', 'B-1', 'intrus@autre.example');
  expect(agB.grantee.id).not.toBe(agA.grantee.id);

  const granteeA = await key({ role: 'grantee', granteeId: agA.grantee.id });
  const granteeB = await key({ role: 'grantee', granteeId: agB.grantee.id });
  const own = agA.obligations.map((o) => o.id).sort();
  await eventually(async () => JSON.stringify(await myObligations(granteeA)) === JSON.stringify(own), 'A tracked');
  // B's grantee cannot reach A's contact, nor A's grantee B's
  expect(
    (await sys.call('PUT', '/v1/me/contacts/claire@orga.example/preferences', granteeB, { locale: 'en' })).status,
  ).toBe(404);
  expect(
    (await sys.call('PUT', '/v1/me/contacts/intrus@autre.example/preferences', granteeA, { locale: 'en' })).status,
  ).toBe(404);

  // the admin's two routes, through the edge; a funder may not use them
  expect((await sys.call('GET', `/v1/grantees?neq=${NEQ}`, funderA)).status).toBe(403);
  const listed = await json<{ data: { id: string; funderId: string }[] }>(
    await sys.call('GET', `/v1/grantees?neq=${NEQ}`, ADMIN),
  );
  expect(listed.data.map((g) => [g.id, g.funderId])).toEqual([
    [agA.grantee.id, A.id],
    [agB.grantee.id, B.id],
  ]);
  const linked = await json<{ linkedTo: string; agreementsUpdated: number }>(
    await sys.call('POST', `/v1/grantees/${agB.grantee.id}/link`, ADMIN, { granteeId: agA.grantee.id }),
  );
  expect(linked).toMatchObject({ linkedTo: agA.grantee.id, agreementsUpdated: 1 });

  const both = [...own, ...agB.obligations.map((o) => o.id)].sort();
  await eventually(
    async () => JSON.stringify(await myObligations(granteeA)) === JSON.stringify(both),
    "the organisation's key sees B's obligations once linked",
  );
  expect(
    (await json<{ grantee: { id: string } }>(await sys.call('GET', `/v1/agreements/${agB.id}`, funderB))).grantee.id,
  ).toBe(agA.grantee.id);
  // B's contact is now the organisation's contact: its key may set that contact's language
  await eventually(
    async () =>
      (await sys.call('PUT', '/v1/me/contacts/intrus@autre.example/preferences', granteeA, { locale: 'en' })).status ===
      200,
    'the notifier follows the link',
  );
});

it('the edge’s own routes refuse control characters in names and labels (422 naming the field)', async () => {
  const funder = await sys.call('POST', '/v1/funders', ADMIN, {
    name: 'Fondation\r\nBcc: x@example.org',
    kind: 'foundation',
  });
  expect(funder.status).toBe(422);
  expect(((await funder.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual(['name']);
  const label = await sys.call('POST', '/v1/api-keys', ADMIN, { role: 'admin', label: 'clé\u0000' });
  expect(label.status).toBe(422);
  expect(((await label.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual(['label']);
});
