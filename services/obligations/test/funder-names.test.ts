/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies are asserted with toMatchObject */
import type { EventData } from '@pc/contracts';
import { fixture, harnessForFile, obligationsOf, programme, snapshot, uuid, type Fixture } from './helpers';

// Funders' names (funder.registered.v1 on obligations.funders) on the obligations a caller reads:
// null before the funder's registration arrives, its name after; a contact listed on funder A's
// agreement only reads A's obligations, so B's name never reaches it; a redelivered event changes nothing.
const h = harnessForFile({ today: '2027-06-01' });
const G = uuid();
const A = fixture({ granteeId: G });
const B = fixture({ granteeId: G });
const alice = 'alice@atelier.example';
const bob = 'bob@atelier.example';
let aOb = '';
let bOb = '';

const registered = (f: Fixture, name: string): EventData<'funder.registered.v1'> => ({
  funderId: f.funderId,
  name,
  kind: 'foundation',
  locale: 'fr',
  reportRecipients: ['rapports@fondation.example'],
  actor: { kind: 'api_key', id: 'admin' },
});
const contact = (email: string) => ({ role: 'contact' as const, contactEmail: email });
const json = async (r: Response) => {
  expect(r.status).toBe(200);
  return (await r.json()) as any;
};

beforeAll(async () => {
  for (const f of [A, B]) await h.publish('programme.registered.v1', programme(f));
  const sa = snapshot(A, { obligations: obligationsOf(uuid(), 1, '2027-09-30') });
  const sb = snapshot(B, { obligations: obligationsOf(uuid(), 1, '2027-10-31') });
  sa.contacts = [{ name: 'Alice Roy', email: alice, locale: 'fr' }];
  sb.contacts = [{ name: 'Bob Roy', email: bob, locale: 'fr' }];
  for (const s of [sa, sb]) await h.publish('agreement.registered.v1', s);
  aOb = sa.obligations[0]!.id;
  bOb = sb.obligations[0]!.id;
});

it('an obligation whose funder is not registered here yet is served, its funderName null', async () => {
  const mine = await json(await h.call('GET', '/v1/me/obligations', contact(alice)));
  expect(mine.data.map((o: any) => [o.id, o.funderName])).toEqual([[aOb, null]]);
  expect((await json(await h.call('GET', `/v1/obligations/${aOb}`, contact(alice)))).funderName).toBeNull();
});

it('once registered, each obligation carries its own funder’s name, and a contact reads only its funders’', async () => {
  const id = await h.publish('funder.registered.v1', registered(A, 'Fondation Lucie'));
  await h.publish('funder.registered.v1', registered(B, 'Fonds Bêta'));
  const mine = await h.call('GET', '/v1/me/obligations', contact(alice));
  const text = await mine.clone().text();
  expect((await json(mine)).data.map((o: any) => [o.id, o.funderName])).toEqual([[aOb, 'Fondation Lucie']]);
  expect(text).not.toContain('Fonds Bêta');
  expect(await json(await h.call('GET', `/v1/obligations/${aOb}`, contact(alice)))).toMatchObject({
    funderId: A.funderId,
    funderName: 'Fondation Lucie',
  });
  // Bob's obligation (another funder's agreement, same organisation) stays a 404 to Alice, name and all
  const theirs = await h.call('GET', `/v1/obligations/${bOb}`, contact(alice));
  expect(theirs.status).toBe(404);
  expect(await theirs.text()).not.toContain('Fonds Bêta');
  // the grantee's key, which reads both funders' obligations, gets both names
  const both = await json(await h.call('GET', '/v1/me/obligations', { role: 'grantee', granteeId: G }));
  expect(Object.fromEntries(both.data.map((o: any) => [o.id, o.funderName]))).toEqual({
    [aOb]: 'Fondation Lucie',
    [bOb]: 'Fonds Bêta',
  });

  // a redelivery of the same message is absorbed by the inbox: one row, the same name
  await h.publish('funder.registered.v1', registered(A, 'Fondation Lucie'), { id });
  expect(await h.count('funder WHERE id = $1', [A.funderId])).toBe(1);
  expect(await h.count('inbox WHERE consumer = $1 AND message_id = $2', ['obligations.funders', id])).toBe(1);
});
