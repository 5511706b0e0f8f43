/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are untyped JSON, checked by the assertions */
import crypto from 'node:crypto';
import { LOOKUPS_PATH, lookupResponse, type LookupRequestBody } from '@pc/contracts';
import { asPrincipal } from '@pc/testkit';
import { funderKey, startHarness, type Harness } from './helpers';

// POST /internal/v1/lookups: the agreements service, owner of programme, agreement, obligation ids and
// contacts, tells the services that learn of them through events whether an id exists in a scope.
jest.setTimeout(120_000);
let h: Harness;
const F1 = crypto.randomUUID();
const F2 = crypto.randomUUID();
const f1 = funderKey(F1);
const system = asPrincipal({ role: 'admin', keyId: 'system:obligations' });
let ag: { id: string; grantee: { id: string }; obligations: { id: string }[] };
let programmeId: string;

beforeAll(async () => {
  h = await startHarness();
  const p = await h.call('POST', '/v1/programmes', { code: 'MOB', name: 'Mobilisation' }, f1);
  expect(p.status).toBe(201);
  programmeId = p.body.id;
  const r = await h.call(
    'POST',
    '/v1/agreements',
    {
      externalRef: 'LOOK-1',
      programmeCode: 'MOB',
      title: 'Entente',
      startDate: '2027-01-01',
      endDate: '2027-12-31',
      grantee: { name: 'Organisme', contacts: [{ name: 'Alex', email: 'Alex.Tremblay@Example.org' }] },
      requirements: [{ kind: 'learning_note', count: 2, due: { anchor: 'end', offset: 'P90D' } }],
    },
    f1,
  );
  expect(r.status).toBe(201);
  ag = r.body;
});
afterAll(async () => {
  await h?.stop();
});

const ask = (q: LookupRequestBody, who: Record<string, string> = system) => h.call('POST', LOOKUPS_PATH, q, who);
async function exists(q: LookupRequestBody): Promise<boolean> {
  const r = await ask(q);
  expect(r.status).toBe(200);
  return lookupResponse.parse(r.body).exists;
}

describe('POST /internal/v1/lookups', () => {
  it('confirms an obligation or agreement in its funder’s scope and its grantee’s, and nowhere else', async () => {
    const obligation = ag.obligations[0]!.id;
    const stranger = crypto.randomUUID();
    const answers = await Promise.all(
      [
        { kind: 'obligation', key: obligation, scope: { funderIds: [F1] } },
        { kind: 'obligation', key: obligation, scope: { funderIds: [F2, F1] } },
        { kind: 'obligation', key: obligation, scope: { granteeId: ag.grantee.id } },
        { kind: 'agreement', key: ag.id, scope: { funderIds: [F1] } },
        { kind: 'agreement', key: ag.id, scope: { granteeId: ag.grantee.id } },
        // another tenant's, unknown, and not even a uuid: all simply absent
        { kind: 'obligation', key: obligation, scope: { funderIds: [F2] } },
        { kind: 'obligation', key: obligation, scope: { granteeId: stranger } },
        { kind: 'obligation', key: obligation, scope: { funderIds: [] } },
        { kind: 'obligation', key: stranger, scope: { funderIds: [F1] } },
        { kind: 'obligation', key: 'not-a-uuid', scope: { funderIds: [F1] } },
        { kind: 'agreement', key: ag.id, scope: { funderIds: [F2] } },
        { kind: 'agreement', key: obligation, scope: { funderIds: [F1] } },
      ].map((q) => exists(q as LookupRequestBody)),
    );
    expect(answers).toEqual([true, true, true, true, true, false, false, false, false, false, false, false]);
  });

  it('does not confirm an obligation an amendment retired (no snapshot carries it any more)', async () => {
    const retired = ag.obligations[1]!.id;
    expect(await exists({ kind: 'obligation', key: retired, scope: { funderIds: [F1] } })).toBe(true);
    const r = await h.call(
      'PATCH',
      `/v1/agreements/${ag.id}`,
      { requirements: [{ kind: 'learning_note', count: 1, due: { anchor: 'end', offset: 'P90D' } }] },
      f1,
    );
    expect(r.status).toBe(200);
    expect(r.body.obligations.map((o: any) => o.id)).toEqual([ag.obligations[0]!.id]);
    expect(await exists({ kind: 'obligation', key: retired, scope: { funderIds: [F1] } })).toBe(false);
  });

  it('confirms a programme by code or id for its funder, and a contact for its grantee whatever the case', async () => {
    const answers = await Promise.all(
      [
        { kind: 'programme', key: 'MOB', scope: { funderIds: [F1] } },
        { kind: 'programme', key: programmeId, scope: { funderIds: [F1] } },
        { kind: 'contact', key: 'alex.tremblay@example.org', scope: { granteeId: ag.grantee.id } },
        { kind: 'contact', key: ' ALEX.TREMBLAY@example.org ', scope: { granteeId: ag.grantee.id } },
        { kind: 'programme', key: 'MOB', scope: { funderIds: [F2] } },
        { kind: 'programme', key: 'MOB', scope: { granteeId: ag.grantee.id } },
        { kind: 'programme', key: 'NOPE', scope: { funderIds: [F1] } },
        { kind: 'contact', key: 'alex.tremblay@example.org', scope: { granteeId: crypto.randomUUID() } },
        { kind: 'contact', key: 'alex.tremblay@example.org', scope: { funderIds: [F1] } },
        { kind: 'contact', key: 'alex%@example.org', scope: { granteeId: ag.grantee.id } },
      ].map((q) => exists(q as LookupRequestBody)),
    );
    expect(answers).toEqual([true, true, true, true, false, false, false, false, false, false]);
  });

  it('answers only another service: 401 unsigned, 403 for a person’s key (an admin’s too), 422 for a bad body', async () => {
    const q: LookupRequestBody = { kind: 'agreement', key: ag.id, scope: { funderIds: [F1] } };
    expect((await ask(q, {})).status).toBe(401);
    expect((await ask(q, f1)).status).toBe(403);
    expect((await ask(q, asPrincipal({ role: 'admin', keyId: 'bootstrap' }))).status).toBe(403);
    const bad = await ask({ kind: 'funder', key: '', scope: { funderIds: ['x'] } } as never);
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: any) => e.path).sort()).toEqual(['key', 'kind', 'scope.funderIds.0']);
  });
});
