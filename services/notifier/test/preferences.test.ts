import { asPrincipal, eventually } from '@pc/testkit';
import {
  agreement,
  agreementRegistered,
  count,
  funder,
  ids,
  programme,
  publish,
  publishReminder,
  world,
  type World,
} from './support';

// PUT /v1/me/contacts/{email}/preferences: the grantee's own contacts only; another tenant gets 404.
jest.setTimeout(60_000);
let w: World;
let base: string;
const f1 = funder('Fondation Préférences');
const p1 = programme(f1, 'PREF', 'Préférences');
const orgA = { id: ids('grantee:prefA'), name: 'Org A' };
const orgB = { id: ids('grantee:prefB'), name: 'Org B' };
const gA = agreement(p1, 'PREF-A', orgA, [{ name: 'Claire', email: 'Claire@OrgA.example', locale: 'fr' }]);
const gB = agreement(p1, 'PREF-B', orgB, [{ name: 'Bruno', email: 'bruno@orgb.example', locale: 'fr' }]);

beforeAll(async () => {
  w = await world();
  base = `http://127.0.0.1:${w.svc.port}`;
  await publish(w.t.amqpUrl, [
    { type: 'funder.registered.v1', data: f1 },
    { type: 'programme.registered.v1', data: p1 },
    { type: 'agreement.registered.v1', data: agreementRegistered(gA) },
    { type: 'agreement.registered.v1', data: agreementRegistered(gB) },
  ]);
  await eventually(
    async () => (await count(w.db, 'SELECT count(*) AS n FROM agreement_contact')) === 2,
    'contacts in the directory',
  );
});
afterAll(async () => {
  await w?.close();
});

const put = (email: string, body: unknown, who: Record<string, string>) =>
  fetch(`${base}/v1/me/contacts/${encodeURIComponent(email)}/preferences`, {
    method: 'PUT',
    headers: { ...who, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const asA = asPrincipal({ role: 'grantee', granteeId: orgA.id });
const asB = asPrincipal({ role: 'grantee', granteeId: orgB.id });

it('lets a grantee choose English for its contact; the next digest is in English', async () => {
  const res = await put('claire@orga.example', { locale: 'en' }, asA);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ email: 'claire@orga.example', locale: 'en', failing: false });
  await publishReminder(w, gA, { asOf: '2027-06-15', dueDate: '2027-07-15' });
  const m = await eventually(
    async () => w.sink.messages.find((x) => x.envelopeTo.includes('claire@orga.example')),
    'digest',
  );
  expect(m.parsed.text).toContain('Hello Claire,');
  expect(m.parsed.text).toContain('July 15, 2027');
});

it('answers 404 to another grantee (tenant isolation) and to an unknown address, storing nothing', async () => {
  const before = await count(w.db, 'SELECT count(*) AS n FROM contact_preference');
  const other = await put('claire@orga.example', { locale: 'fr' }, asB);
  expect(other.status).toBe(404);
  expect(other.headers.get('content-type')).toContain('application/problem+json');
  expect((await put('nobody@orga.example', { locale: 'fr' }, asA)).status).toBe(404);
  expect(await count(w.db, 'SELECT count(*) AS n FROM contact_preference')).toBe(before);
  expect((await w.db.query(`SELECT locale FROM contact_preference WHERE email = 'claire@orga.example'`)).rows).toEqual([
    { locale: 'en' },
  ]);
});

it('refuses a bad locale with 422 naming the field, a non-grantee with 403, no identity with 401 — nothing stored', async () => {
  const bad = await put('bruno@orgb.example', { locale: 'de' }, asB);
  expect(bad.status).toBe(422);
  expect(((await bad.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toContain('locale');
  expect(
    (await put('bruno@orgb.example', { locale: 'en' }, asPrincipal({ role: 'funder', funderId: f1.funderId }))).status,
  ).toBe(403);
  expect((await put('bruno@orgb.example', { locale: 'en' }, {})).status).toBe(401);
  expect(await count(w.db, `SELECT count(*) AS n FROM contact_preference WHERE email = 'bruno@orgb.example'`)).toBe(0);
});

it('ignores a stale agreement snapshot and follows a newer one (contacts replaced)', async () => {
  const moved = {
    ...agreementRegistered(gB, 3),
    contacts: [{ name: 'Bea', email: 'bea@orgb.example', locale: 'en' as const }],
  };
  const stale = {
    ...agreementRegistered(gB, 2),
    contacts: [{ name: 'Old', email: 'old@orgb.example', locale: 'fr' as const }],
  };
  await publish(w.t.amqpUrl, [
    { type: 'agreement.amended.v1', data: { ...moved, changes: ['contacts'] } },
    { type: 'agreement.amended.v1', data: { ...stale, changes: ['contacts'] } },
  ]);
  await eventually(
    async () =>
      (await count(w.db, `SELECT count(*) AS n FROM agreement_contact WHERE email = 'bea@orgb.example'`)) === 1,
    'newer snapshot',
  );
  await new Promise((r) => setTimeout(r, 300));
  expect((await w.db.query(`SELECT email FROM agreement_contact WHERE agreement_id = $1`, [gB.id])).rows).toEqual([
    { email: 'bea@orgb.example' },
  ]);
  expect((await put('bruno@orgb.example', { locale: 'en' }, asB)).status).toBe(404);
  expect((await put('bea@orgb.example', { locale: 'fr' }, asB)).status).toBe(200);
});

describe('preferences are per (grantee, email), not per address everywhere', () => {
  // Another funder names A's contact address for a grantee of its own (a NEQ no longer joins them).
  const f2 = funder('Autre fondation');
  const p2 = programme(f2, 'AUTRE', 'Autre programme');
  const orgX = { id: ids('grantee:prefX'), name: 'Org X (autre bailleur)' };
  const dana = { name: 'Dana', email: 'dana@shared.example', locale: 'fr' as const };
  const gA2 = agreement(p1, 'PREF-A2', orgA, [dana]);
  const gX = agreement(p2, 'PREF-X', orgX, [dana]);
  const asX = asPrincipal({ role: 'grantee', granteeId: orgX.id });

  beforeAll(async () => {
    await publish(w.t.amqpUrl, [
      { type: 'funder.registered.v1', data: f2 },
      { type: 'programme.registered.v1', data: p2 },
      { type: 'agreement.registered.v1', data: agreementRegistered(gA2) },
      { type: 'agreement.registered.v1', data: agreementRegistered(gX) },
    ]);
    await eventually(
      async () =>
        (await count(w.db, `SELECT count(*) AS n FROM agreement_contact WHERE email = 'dana@shared.example'`)) === 2,
      'both agreements of the shared address in the directory',
    );
  });

  it("the other funder's grantee choosing English changes its own choice only; A's reminder stays in French", async () => {
    const set = await put('dana@shared.example', { locale: 'en' }, asX);
    expect(set.status).toBe(200);
    expect(await set.json()).toEqual({ email: 'dana@shared.example', locale: 'en', failing: false });
    // A reads its own (unset) choice for the same address
    const mine = await put('dana@shared.example', {}, asA);
    expect(await mine.json()).toEqual({ email: 'dana@shared.example', locale: null, failing: false });

    await publishReminder(w, gA2, { asOf: '2027-06-15', dueDate: '2027-07-15' });
    const m = await eventually(
      async () => w.sink.messages.find((x) => x.envelopeTo.includes('dana@shared.example')),
      "A's digest to the shared address",
    );
    expect(m.parsed.text).toContain('Bonjour Dana,');
    expect(m.parsed.text).toContain('15 juillet 2027');
    expect(
      (await w.db.query(`SELECT grantee_id, locale FROM contact_preference WHERE email = 'dana@shared.example'`)).rows,
    ).toEqual([{ grantee_id: orgX.id, locale: 'en' }]);
  });
});
