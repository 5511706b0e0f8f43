import pg from 'pg';
import { eventually } from '@pc/testkit';
import { ADMIN, json, startSystem, type System } from './system';
import { linkOnEdge } from './web-pages';

/*
 * Law 25 through the whole system: a contact known at two funders, reminded, who opened the
 * reminder's link on the pages (a session, a language choice, a calendar address) and was invited
 * as an auditor, is exported (every holder's part names them), then erased while the notifier is
 * down (it does its part when it comes back); afterwards no text or JSON column of any schema holds
 * the address or the name, the person's session and reminder link open nothing, both audit chains
 * still verify, the erasure is an entry of each, and a new export holds nothing of the person.
 */

const PERSON = { name: 'Gabrielle Lévesque-Nadeau', email: 'gabrielle.law25@example.org' };
const KEPT = { name: 'Romain Kept-Contact', email: 'romain.kept@example.org' };
const SCHEMAS = ['edge', 'agreements', 'obligations', 'praxis_connector', 'notifier', 'reports', 'scheduler', 'web'];
const HOLDERS = ['agreements', 'edge', 'notifier', 'obligations', 'praxis-connector', 'reports', 'web'];

interface PersonRequest {
  id: string;
  kind: string;
  status: 'pending' | 'complete';
  services: Array<{
    service: string;
    status: string;
    counts?: Record<string, number>;
    parts?: Array<{ kind: string; rows: unknown[] }>;
  }>;
}

let sys: System;
let funders: string[];
let keys: string[];
/** the link of the reminder the person received, and the session it opened on the pages */
let reminderLink: string;
let session: string;

beforeAll(async () => {
  sys = await startSystem();
  funders = [];
  keys = [];
  for (const name of ['Fondation Une', 'Fondation Deux']) {
    const f = await json<{ id: string }>(
      await sys.call('POST', '/v1/funders', ADMIN, { name, kind: 'foundation' }),
      201,
    );
    const k = await json<{ token: string }>(
      await sys.call('POST', '/v1/api-keys', ADMIN, { role: 'funder', funderId: f.id, label: 'k' }),
      201,
    );
    funders.push(f.id);
    keys.push(k.token);
  }
  for (const [i, token] of keys.entries()) {
    await eventually(
      async () =>
        (await sys.call('POST', '/v1/programmes', token, { code: `LAW-${i}`, name: 'Programme' })).status === 201,
      'programme',
    );
    // With an Idempotency-Key: the edge keeps the response (which names the contacts) for replays.
    const a = await json<{ obligations: Array<{ id: string }> }>(
      await sys.call(
        'POST',
        '/v1/agreements',
        token,
        {
          externalRef: `LAW-${i}-1`,
          programmeCode: `LAW-${i}`,
          title: 'Projet',
          startDate: '2027-01-01',
          endDate: '2027-12-31',
          grantee: {
            name: `Organisme ${i}`,
            contacts: [
              { ...PERSON, locale: 'fr' },
              { ...KEPT, locale: 'fr' },
            ],
          },
          requirements: [{ kind: 'mid_term_note', count: 1, due: { date: '2027-07-15' } }],
        },
        { 'idempotency-key': `law25-${i}` },
      ),
      201,
    );
    await eventually(
      async () => (await sys.call('GET', `/v1/obligations/${a.obligations[0]!.id}`, token)).status === 200,
      'obligation tracked',
    );
  }
  const job = await json<{ id: string }>(
    await sys.call('POST', '/v1/jobs/evaluate', ADMIN, { asOf: '2027-06-15' }),
    202,
  );
  await eventually(
    async () =>
      (await json<{ status: string }>(await sys.call('GET', `/v1/jobs/${job.id}`, ADMIN))).status === 'succeeded',
    'evaluation',
    60_000,
  );
  await eventually(
    async () => sys.sink.messages.some((m) => m.envelopeTo.includes(PERSON.email)),
    'reminder sent',
    60_000,
  );
  // the person on the pages (the web schema): an admin invites the person as an auditor (first: an
  // invitation ends the sessions of the address), then the reminder's link opens a session, in which
  // it chooses English and makes a calendar address
  await json(
    await sys.call('POST', '/v1/members', ADMIN, { email: PERSON.email, role: 'auditor', funderIds: [funders[0]] }),
    201,
  );
  const reminder = sys.sink.messages.find((m) => m.envelopeTo.includes(PERSON.email))!;
  reminderLink = linkOnEdge(sys, /https?:\/\/\S+\/grantee\?acces=[\w.%-]+/.exec(reminder.parsed.text ?? '')![0]);
  const opened = await fetch(reminderLink, { redirect: 'manual' });
  expect(opened.status).toBe(303);
  session = `pc_session=${cookieOf(opened, 'pc_session')!}`;
  expect((await postPage('/language', { locale: 'en', next: '/grantee' }, session)).status).toBe(303);
  expect((await postPage('/grantee/calendar', {}, session)).status).toBe(200);
  expect(await homeOf(session)).toBe('/grantee');
  // reports learned of the sending (reminder.sent.v1) in both chains
  for (const [i, f] of funders.entries()) {
    await eventually(
      async () =>
        (await sys.call('GET', `/v1/audit/events?funderId=${f}`, keys[i]!)).status === 200 &&
        (await (await sys.call('GET', `/v1/audit/events?funderId=${f}`, keys[i]!)).text()).includes('reminder.sent'),
      'reminder in the audit chain',
      60_000,
    );
  }
}, 240_000);

afterAll(async () => {
  await sys?.stop();
});

const cookieOf = (res: Response, name: string): string | undefined =>
  res.headers
    .getSetCookie()
    .map((c) => new RegExp(`^${name}=([^;]*)`).exec(c)?.[1])
    .find((v) => v !== undefined);

/** A form of the pages posted through the edge with its CSRF cookie and field, as a browser would. */
async function postPage(path: string, form: Record<string, string>, cookies: string): Promise<Response> {
  const page = await fetch(`${sys.base}/sign-in`);
  const csrf = cookieOf(page, 'pc_csrf')!;
  const field = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
  return fetch(`${sys.base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `pc_csrf=${csrf}; ${cookies}` },
    body: new URLSearchParams({ _csrf: field, ...form }).toString(),
    redirect: 'manual',
  });
}

/** Where `/` sends the holder of the session cookie: its home, or the sign-in page when signed out. */
async function homeOf(cookies: string): Promise<string | null> {
  return (await fetch(`${sys.base}/`, { headers: { cookie: cookies }, redirect: 'manual' })).headers.get('location');
}

async function request(kind: 'export' | 'erasure', email: string): Promise<PersonRequest> {
  return json<PersonRequest>(await sys.call('POST', '/v1/people/requests', ADMIN, { kind, email }), 202);
}
async function completed(id: string): Promise<PersonRequest> {
  return eventually(
    async () => {
      const r = await json<PersonRequest>(await sys.call('GET', `/v1/people/requests/${id}`, ADMIN));
      if (r.status === 'complete') return r;
      throw new Error(
        `still waiting for ${r.services
          .filter((x) => x.status !== 'done')
          .map((x) => x.service)
          .join(', ')}`,
      );
    },
    `request ${id} complete`,
    60_000,
  );
}

/** Every text, array and JSON column of every schema that holds `needle`, as schema.table.column. */
async function columnsHolding(needles: string[]): Promise<string[]> {
  const db = new pg.Client({ connectionString: sys.databaseUrl });
  await db.connect();
  try {
    const { rows: cols } = await db.query<{ s: string; t: string; c: string }>(
      `SELECT c.table_schema AS s, c.table_name AS t, c.column_name AS c FROM information_schema.columns c
         JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE c.table_schema = ANY($1) AND t.table_type = 'BASE TABLE'
          AND (c.data_type IN ('text', 'character varying', 'jsonb', 'json', 'ARRAY', 'bytea'))`,
      [SCHEMAS],
    );
    expect(cols.length).toBeGreaterThan(30);
    const hits: string[] = [];
    for (const col of cols) {
      for (const n of needles) {
        const { rows } = await db.query(`SELECT 1 FROM "${col.s}"."${col.t}" WHERE "${col.c}"::text ILIKE $1 LIMIT 1`, [
          `%${n}%`,
        ]);
        if (rows.length > 0)
          hits.push(`${col.s}.${col.t}.${col.c} holds ${n === PERSON.email ? 'the email' : 'the name'}`);
      }
    }
    return hits;
  } finally {
    await db.end();
  }
}

it('refuses a value that is not an email, and anyone but an admin', async () => {
  expect(
    (await sys.call('POST', '/v1/people/requests', ADMIN, { kind: 'export', email: 'pas-un-courriel' })).status,
  ).toBe(422);
  expect((await sys.call('POST', '/v1/people/requests', ADMIN, { kind: 'forget', email: PERSON.email })).status).toBe(
    422,
  );
  expect(
    (await sys.call('POST', '/v1/people/requests', keys[0]!, { kind: 'export', email: PERSON.email })).status,
  ).toBe(403);
});

it('answers an unknown email with a complete export in which every service is present and empty', async () => {
  const r = await completed((await request('export', 'nobody.law25@example.org')).id);
  expect(r.services.map((s) => s.service).sort()).toEqual(HOLDERS);
  for (const s of r.services) {
    expect(s.status).toBe('done');
    expect(s.parts!.length).toBeGreaterThan(0);
    for (const p of s.parts!) expect([s.service, p.kind, p.rows]).toEqual([s.service, p.kind, []]);
  }
}, 120_000);

it('exports every service part, erases while the notifier is down, and leaves nothing of the person', async () => {
  const exported = await completed((await request('export', PERSON.email.toUpperCase())).id);
  for (const s of exported.services) {
    // reports holds the address in clear only for a failing contact (none here); its audit entries name
    // the person by pseudonym, and those are its part. The praxis-connector's tables hold no contact
    // (only a dead letter could, none here): it answers with its outbox part, empty.
    const found =
      s.service === 'reports'
        ? s.parts!.find((p) => p.kind === 'audit_entry')!.rows.length > 0
        : s.service === 'praxis-connector'
          ? s.parts!.map((p) => `${p.kind}:${p.rows.length}`).join() === 'outbox_event:0'
          : JSON.stringify(s.parts).includes(PERSON.email);
    expect([s.service, found]).toEqual([s.service, true]);
  }
  expect(exported.services.map((s) => s.service).sort()).toEqual(HOLDERS);
  // the pages' part: the member, its invitation link, the session, the calendar address, the language
  const web = exported.services.find((s) => s.service === 'web')!;
  const webRows = Object.fromEntries(web.parts!.map((p) => [p.kind, p.rows.length]));
  expect(webRows).toMatchObject({
    member: 1,
    sign_in_link: 1,
    session: 1,
    calendar_subscription: 1,
    person_preference: 1,
  });
  const before = await columnsHolding([PERSON.email]); // the scan sees the person before, the pages' tables too
  expect(before).toEqual(
    expect.arrayContaining(['web.member.email holds the email', 'web.session.email holds the email']),
  );

  await sys.stopService('notifier');
  const erasure = await request('erasure', PERSON.email);
  expect(erasure.status).toBe('pending');
  // everyone but the notifier answers; the request waits for it
  await eventually(
    async () => {
      const r = await json<PersonRequest>(await sys.call('GET', `/v1/people/requests/${erasure.id}`, ADMIN));
      return (
        r.services
          .filter((s) => s.status === 'done')
          .map((s) => s.service)
          .sort()
          .join() === 'agreements,edge,obligations,praxis-connector,reports,web'
      );
    },
    'holders but the notifier answered',
    60_000,
  );
  expect((await json<PersonRequest>(await sys.call('GET', `/v1/people/requests/${erasure.id}`, ADMIN))).status).toBe(
    'pending',
  );
  await sys.startService('notifier');
  const done = await completed(erasure.id);
  expect(done.services.find((s) => s.service === 'notifier')!.counts!.directoryContacts).toBeGreaterThan(0);

  expect(await columnsHolding([PERSON.email, PERSON.name])).toEqual([]);
  // the other contact of the same agreements is kept
  expect((await columnsHolding([KEPT.email])).length).toBeGreaterThan(0);
  // the person's session opens nothing any more, nor does the link of the reminder emailed before
  expect(done.services.find((s) => s.service === 'web')!.counts).toMatchObject({ members: 1, sessions: 1 });
  expect(await homeOf(session)).toBe('/sign-in');
  expect((await fetch(reminderLink, { redirect: 'manual' })).status).toBe(401);
  expect(await columnsHolding([PERSON.email])).toEqual([]);

  for (const [i, f] of funders.entries()) {
    const verify = await json<{ intact: boolean; events: number }>(
      await sys.call('GET', `/v1/audit/verify?funderId=${f}`, keys[i]!),
    );
    expect(verify).toEqual({ intact: true, events: expect.any(Number) });
    const events = await (await sys.call('GET', `/v1/audit/events?funderId=${f}`, keys[i]!)).text();
    expect(events).toContain('person.erased');
    expect(events).not.toContain(PERSON.email);
  }

  const after = await completed((await request('export', PERSON.email)).id);
  expect(JSON.stringify(after)).not.toContain(PERSON.email);
  expect(JSON.stringify(after)).not.toContain(PERSON.name);
}, 180_000);
