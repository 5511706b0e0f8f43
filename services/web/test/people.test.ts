import crypto from 'node:crypto';
import pg from 'pg';
import {
  asPrincipal,
  eventually,
  publishEvent,
  startSmtpSink,
  testEnv,
  TEST_CONTACT_LINK_SECRET,
  type SmtpSink,
  type TestEnv,
} from '@pc/testkit';
import { createLogger, keyedPseudonym, personPseudonymKey, signContactLink } from '@pc/service-kit';
import { loadWebConfig } from '../src/config';
import { startWeb, type RunningWeb } from '../src/main';

/*
 * Law 25 in the web service, on the real database and broker: the person is a member who signed
 * in by the invitation's link, a grantee contact who opened a reminder's link, chose a language and
 * has a calendar address. The export lists each kind of row without any secret's hash; the erasure
 * deletes them all, ends both sessions (their cookies open nothing), refuses the reminder link
 * emailed before it, keeps another person's rows, and a redelivery of the request changes nothing.
 */

const PERSON = 'gabrielle.web@example.org';
const KEPT = 'romain.web@example.org';
const FUNDER = '11111111-1111-4111-8111-111111111111';

let env: TestEnv;
let sink: SmtpSink;
let web: RunningWeb;
let base: string;
let db: pg.Client;

beforeAll(async () => {
  sink = await startSmtpSink();
  env = await testEnv({ SMTP_URL: sink.url });
  web = await startWeb(loadWebConfig(env.env), createLogger('web-test', 'silent'));
  base = `http://127.0.0.1:${web.port}`;
  db = new pg.Client({ connectionString: env.databaseUrl });
  await db.connect();
  await db.query('SET search_path TO web');
});
afterAll(async () => {
  await db?.end();
  await web?.stop();
  await sink?.close();
  env?.cleanup();
});

const cookieOf = (res: Response, name: string): string | undefined =>
  res.headers
    .getSetCookie()
    .map((c) => new RegExp(`^${name}=([^;]*)`).exec(c)?.[1])
    .find((v) => v !== undefined);

/** A page's CSRF cookie and field (every POST of the pages needs both). */
async function csrf(cookies = ''): Promise<{ cookie: string; field: string }> {
  const res = await fetch(`${base}/sign-in`, { headers: { cookie: cookies } });
  const cookie = cookieOf(res, 'pc_csrf')!;
  const field = /name="_csrf" value="([^"]+)"/.exec(await res.text())![1]!;
  return { cookie: `pc_csrf=${cookie}`, field };
}

async function post(path: string, form: Record<string, string>, session = ''): Promise<Response> {
  const c = await csrf();
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: [c.cookie, session].filter(Boolean).join('; '),
    },
    body: new URLSearchParams({ _csrf: c.field, ...form }).toString(),
    redirect: 'manual',
  });
}

/** Invited as a member through /v1/members, signed in with the invitation's link: the session cookie. */
async function memberSession(email: string): Promise<string> {
  const res = await fetch(`${base}/v1/members`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...asPrincipal({ role: 'admin' }) },
    body: JSON.stringify({ email, role: 'auditor', funderIds: [FUNDER] }),
  });
  expect(res.status).toBe(201);
  const mail = await eventually(
    async () => sink.messages.find((m) => m.envelopeTo.includes(email)),
    `invitation to ${email}`,
  );
  const token = /\/sign-in\/link\?token=([\w%-]+)/.exec(mail.parsed.text ?? '')![1]!;
  const used = await post('/sign-in/link', { token: decodeURIComponent(token) });
  expect(used.status).toBe(303);
  return `pc_session=${cookieOf(used, 'pc_session')!}`;
}

/** A reminder's contact link opened: the session cookie. */
async function contactSession(link: string): Promise<Response> {
  return fetch(`${base}/grantee?acces=${encodeURIComponent(link)}`, { redirect: 'manual' });
}

/** Where `/` sends the holder of `session`: its home when signed in, the sign-in page when not. */
async function homeOf(session: string): Promise<string | null> {
  const res = await fetch(`${base}/`, { headers: { cookie: session }, redirect: 'manual' });
  return res.headers.get('location');
}

async function rowsOf(email: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of ['member', 'sign_in_link', 'session', 'calendar_subscription', 'person_preference']) {
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t} WHERE email = $1`, [email]);
    out[t] = rows[0]!.n;
  }
  return out;
}

async function answers(type: string, requestId: string): Promise<Array<Record<string, unknown>>> {
  const { rows } = await db.query<{ data: Record<string, unknown> }>(
    `SELECT data FROM outbox WHERE type = $1 AND data->>'requestId' = $2`,
    [type, requestId],
  );
  return rows.map((r) => r.data);
}

async function ask(
  type: 'person.export_requested.v1' | 'person.erasure_requested.v1',
  email: string,
  opts: { id?: string; requestId?: string } = {},
): Promise<{ id: string; requestId: string }> {
  const requestId = opts.requestId ?? crypto.randomUUID();
  const id = await publishEvent(
    env.amqpUrl,
    type,
    { requestId, email, actor: { kind: 'api_key', id: 'bootstrap' } },
    { subject: requestId, ...(opts.id ? { id: opts.id } : {}) },
  );
  return { id, requestId };
}

const answered = (type: string, requestId: string) =>
  eventually(async () => (await answers(type, requestId))[0], `${type} for ${requestId}`);

let personMember: string;
let personContact: string;
let keptMember: string;
let reminderLink: string;

it('holds the person as a member, a contact with a language and a calendar, and another person apart', async () => {
  personMember = await memberSession(PERSON);
  keptMember = await memberSession(KEPT);
  reminderLink = signContactLink(PERSON, TEST_CONTACT_LINK_SECRET);
  const opened = await contactSession(reminderLink);
  expect(opened.status).toBe(303);
  personContact = `pc_session=${cookieOf(opened, 'pc_session')!}`;
  expect(await post('/language', { locale: 'en', next: '/' }, personContact)).toHaveProperty('status', 303);
  await web.deps.calendars.regenerate(PERSON);
  expect(await homeOf(personMember)).toBe('/auditor');
  expect(await homeOf(personContact)).toBe('/grantee');
  expect(await rowsOf(PERSON)).toEqual({
    member: 1,
    sign_in_link: 1,
    session: 2,
    calendar_subscription: 1,
    person_preference: 1,
  });
});

it('exports every kind of row about the person, without the hashes of its secrets, nothing of another', async () => {
  // asked in another spelling: every holder compares the lower-cased address
  const { requestId } = await ask('person.export_requested.v1', ` ${PERSON.toUpperCase()} `);
  const data = (await answered('person.data_exported.v1', requestId)) as {
    service: string;
    parts: Array<{ kind: string; description: string; rows: Array<Record<string, unknown>> }>;
  };
  expect(data.service).toBe('web');
  const counts = Object.fromEntries(data.parts.map((p) => [p.kind, p.rows.length]));
  expect(counts).toEqual({
    member: 1,
    sign_in_link: 1,
    session: 2,
    calendar_subscription: 1,
    person_preference: 1,
    erasure: 0,
    outbox_event: 0,
  });
  for (const p of data.parts) expect([p.kind, p.description.length > 10]).toEqual([p.kind, true]);
  expect(data.parts.find((p) => p.kind === 'member')!.rows[0]).toMatchObject({
    email: PERSON,
    role: 'auditor',
    funderIds: [FUNDER],
  });
  expect(data.parts.find((p) => p.kind === 'person_preference')!.rows[0]).toMatchObject({ locale: 'en' });
  const text = JSON.stringify(data);
  const { rows: secrets } = await db.query<{ h: string }>(
    `SELECT token_hash AS h FROM sign_in_link UNION ALL SELECT id_hash FROM session
     UNION ALL SELECT secret_hash FROM calendar_subscription`,
  );
  expect(secrets.length).toBeGreaterThanOrEqual(5);
  expect(secrets.filter((s) => text.includes(s.h))).toEqual([]);
  expect(text).not.toMatch(/tokenHash|idHash|secretHash|token_hash|id_hash|secret_hash/);
  expect(text).not.toContain(KEPT);
});

it('erases the person: every row gone, both sessions ended, the earlier reminder link refused; another kept', async () => {
  const { requestId, id } = await ask('person.erasure_requested.v1', PERSON);
  const data = (await answered('person.erased.v1', requestId)) as { service: string; counts: Record<string, number> };
  expect(data).toMatchObject({
    service: 'web',
    counts: { members: 1, signInLinks: 1, sessions: 2, calendarSubscriptions: 1, preferences: 1 },
  });
  expect(await rowsOf(PERSON)).toEqual({
    member: 0,
    sign_in_link: 0,
    session: 0,
    calendar_subscription: 0,
    person_preference: 0,
  });
  // the cookies of the person's sessions open nothing now; the other member's still does
  expect(await homeOf(personMember)).toBe('/sign-in');
  expect(await homeOf(personContact)).toBe('/sign-in');
  expect(await homeOf(keptMember)).toBe('/auditor');
  expect(await rowsOf(KEPT)).toMatchObject({ member: 1, session: 1 });
  // the reminder emailed before the erasure: its link is refused as an expired one, and writes nothing
  const refused = await contactSession(reminderLink);
  expect(refused.status).toBe(401);
  expect(cookieOf(refused, 'pc_session')).toBeUndefined();
  expect(await refused.text()).toContain('Ce lien a expiré');
  // the member is no longer known to sign-in: asking for a link sends none
  const before = sink.messages.length;
  expect((await post('/sign-in', { email: PERSON })).status).toBe(303);
  await Promise.all([...web.deps.inFlight]);
  expect(sink.messages.slice(before).filter((m) => m.envelopeTo.includes(PERSON))).toEqual([]);
  expect(await rowsOf(PERSON)).toMatchObject({ sign_in_link: 0, session: 0 });
  // what is left of the person: the keyed pseudonym and the time, nothing else
  const pseudonym = keyedPseudonym(personPseudonymKey(loadWebConfig(env.env)), PERSON);
  const { rows: marks } = await db.query<{ pseudonym: string }>('SELECT pseudonym FROM erased_person');
  expect(marks.map((m) => m.pseudonym)).toEqual([pseudonym]);

  // the same message delivered again (broker redelivery): no second answer, nothing changes
  await ask('person.erasure_requested.v1', PERSON, { id, requestId });
  const fence = await ask('person.export_requested.v1', 'nobody.web@example.org');
  await answered('person.data_exported.v1', fence.requestId); // handled after it: one queue, in order
  expect(await answers('person.erased.v1', requestId)).toHaveLength(1);
  expect(await rowsOf(KEPT)).toMatchObject({ member: 1, session: 1 });
  expect(await homeOf(keptMember)).toBe('/auditor');

  // a new erasure request finds nothing more; a new export holds only the erasure's mark
  const again = await ask('person.erasure_requested.v1', PERSON);
  expect(((await answered('person.erased.v1', again.requestId)) as { counts: Record<string, number> }).counts).toEqual(
    expect.objectContaining({ members: 0, signInLinks: 0, sessions: 0, calendarSubscriptions: 0, preferences: 0 }),
  );
  const after = await ask('person.export_requested.v1', PERSON);
  const exported = (await answered('person.data_exported.v1', after.requestId)) as {
    parts: Array<{ kind: string; rows: unknown[] }>;
  };
  expect(JSON.stringify(exported)).not.toContain(PERSON);
  expect(exported.parts.filter((p) => p.rows.length > 0).map((p) => p.kind)).toEqual(['erasure']);
});

it('opens a session again for a reminder link signed after the erasure (the person listed anew)', async () => {
  const later = signContactLink(PERSON, TEST_CONTACT_LINK_SECRET, Date.now() + 2_000);
  const opened = await contactSession(later);
  expect(opened.status).toBe(303);
  expect(cookieOf(opened, 'pc_session')).toBeDefined();
});
