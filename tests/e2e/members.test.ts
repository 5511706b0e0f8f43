import { eventually, openSignInLink } from '@pc/testkit';
import { ADMIN, json, startSystem, type System } from './system';
import { apiKey, registerFunder } from './scenario';

/*
 * Members are people, one row per email: inviting an email that is already a member changes that
 * member. A funder may change only a member whose whole access is its own; an admin, an auditor of
 * several funders or another funder's officer is a 409, and stays exactly as it was. A member whose
 * role or scope changes is signed out everywhere (a session keeps the access it was opened with).
 */

interface Member {
  id: string;
  email: string;
  role: string;
  funderIds: string[];
}

let sys: System;
const funder: Array<{ id: string; token: string }> = [];

beforeAll(async () => {
  sys = await startSystem();
  for (const name of ['Fondation Membres A', 'Fondation Membres B']) {
    const f = await registerFunder(sys, { name });
    funder.push({ id: f.id, token: await apiKey(sys, { role: 'funder', funderId: f.id }) });
  }
}, 120_000);
afterAll(() => sys?.stop());

const memberOf = async (email: string): Promise<Member | undefined> =>
  (await json<{ data: Member[] }>(await sys.call('GET', '/v1/members', ADMIN))).data.find((m) => m.email === email);
const mailsTo = (email: string): number => sys.sink.messages.filter((m) => m.envelopeTo.includes(email)).length;

it.each([
  ['an admin', { role: 'admin', funderIds: 'none' }],
  ['an auditor of both funders', { role: 'auditor', funderIds: 'both' }],
  ["funder B's officer", { role: 'funder_officer', funderIds: 'B' }],
] as const)('funder A cannot take over %s: 409 on the email, the member unchanged, no invitation', async (_, who) => {
  const email = `${who.role}.${who.funderIds}@membres.example`.toLowerCase();
  const funderIds =
    who.funderIds === 'both' ? [funder[0]!.id, funder[1]!.id] : who.funderIds === 'B' ? [funder[1]!.id] : [];
  const before = await json<Member>(
    await sys.call('POST', '/v1/members', ADMIN, { email, role: who.role, funderIds }),
    201,
  );
  await eventually(async () => mailsTo(email) === 1, `invitation of ${email}`);

  const res = await sys.call('POST', '/v1/members', funder[0]!.token, { email, role: 'funder_officer' });
  expect(res.status).toBe(409);
  const problem = (await res.json()) as { errors?: Array<{ path?: string; message: string }>; detail?: string };
  expect(problem.errors?.[0]?.path).toBe('email');
  // the answer names no other funder
  expect(JSON.stringify(problem)).not.toContain(funder[1]!.id);

  const after = await memberOf(email);
  expect(after).toMatchObject({ id: before.id, role: who.role });
  expect([...after!.funderIds].sort()).toEqual([...funderIds].sort());
  // nothing was sent for the refused invitation (the sink receives what a send would have sent by now)
  await new Promise((r) => setTimeout(r, 300));
  expect(mailsTo(email)).toBe(1);
});

it("funder A changes its own officer into an auditor; that member's open session ends", async () => {
  const email = 'own.officer@membres.example';
  await json<Member>(await sys.call('POST', '/v1/members', funder[0]!.token, { email, role: 'funder_officer' }), 201);
  const invitation = await eventually(
    async () => sys.sink.messages.find((m) => m.envelopeTo.includes(email)),
    'invitation',
  );
  const magic = /https?:\/\/\S+\/sign-in\/link\?token=[\w%-]+/.exec(invitation.parsed.text ?? '')![0];
  const { cookie } = await openSignInLink(sys.base, magic);
  const page = await fetch(`${sys.base}/funder`, { headers: { cookie }, redirect: 'manual' });
  expect(page.status).toBe(200);

  const changed = await json<Member>(
    await sys.call('POST', '/v1/members', funder[0]!.token, { email, role: 'auditor' }),
    201,
  );
  expect(changed).toMatchObject({ email, role: 'auditor', funderIds: [funder[0]!.id] });
  const again = await fetch(`${sys.base}/funder`, { headers: { cookie }, redirect: 'manual' });
  expect(again.status).toBe(303);
  expect(again.headers.get('location')).toContain('/sign-in');
});

it('a removed member of funder B may be invited by funder A (a removed member holds no access)', async () => {
  const email = 'former.b@membres.example';
  const b = await json<Member>(
    await sys.call('POST', '/v1/members', funder[1]!.token, { email, role: 'auditor' }),
    201,
  );
  expect((await sys.call('DELETE', `/v1/members/${b.id}`, funder[1]!.token)).status).toBe(204);
  const a = await json<Member>(
    await sys.call('POST', '/v1/members', funder[0]!.token, { email, role: 'funder_officer' }),
    201,
  );
  expect(a.funderIds).toEqual([funder[0]!.id]);
});
